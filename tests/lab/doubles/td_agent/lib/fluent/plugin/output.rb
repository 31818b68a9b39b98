# THIS IS A TEST DOUBLE of fluentd v1's buffered output (flush thread, flush_at_shutdown), not fluentd.
# Shutdown: before_shutdown enqueues staged chunks when flush_at_shutdown (default true for memory,
# false for file buffers); after_shutdown joins the flush thread WITHOUT a timeout, like fluentd, so a
# write blocked on I/O keeps the worker alive.
# Copyright: (c) 2026, sre.remediation contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
require 'fluent/plugin/buffer'
require 'fluent/plugin_helper/thread'

module Fluent
  module Plugin
    class Output
      include Fluent::PluginHelper::Thread
      attr_reader :plugin_id, :buffer, :type

      def initialize(log)
        @log = log
        @mutex = Mutex.new
        @cond = ConditionVariable.new
        @stopping = false
        @retry_count = 0
      end

      def configure(conf)
        @type = conf['@type']
        @plugin_id = conf['@id'] || "object:#{object_id.to_s(16)}"
        bconf = conf.each_element('buffer').first || Element.new('buffer', '')
        btype = bconf['@type'] || 'memory'
        raise ConfigError, 'file buffer needs path' if btype == 'file' && !bconf['path']
        @buffer = Buffer.new(btype, bconf['path'], Integer(bconf['chunk_limit_records'] || 500), @log)
        @flush_interval = Config.time(bconf['flush_interval'], 60)
        @retry_wait = Config.time(bconf['retry_wait'], 1)
        @flush_at_shutdown = Config.bool(bconf['flush_at_shutdown'], btype == 'memory')
        return if @flush_at_shutdown || btype != 'memory'
        @log.warn "#{@plugin_id}: flush_at_shutdown is false with a memory buffer: your configuration will lose buffered data at shutdown"
      end

      def start
        @buffer.resume
        @flush_thread = thread_create(:flush_thread_0) { flush_thread_run }
      end

      def emit(_tag, _time, record)
        @mutex.synchronize do
          @buffer.append(record['id'].to_s)
          @cond.signal unless @buffer.queue.empty?
        end
      end

      def force_flush
        @mutex.synchronize do
          @buffer.enqueue_staged
          @cond.signal
        end
      end

      def stats
        @mutex.synchronize do
          { 'plugin_id' => @plugin_id, 'type' => @type, 'output_plugin' => true, 'buffer_type' => @buffer.type,
            'buffer_queue_length' => @buffer.queue.size, 'buffer_total_queued_records' => @buffer.queued_records,
            'retry_count' => @retry_count }
        end
      end

      def flush_thread_run
        loop do
          chunk = nil
          @mutex.synchronize do
            @buffer.enqueue_staged if @buffer.staged_age >= @flush_interval
            if @stopping && (!@flush_at_shutdown || @buffer.queue.empty?)
              return
            end
            chunk = @buffer.queue.first
            @cond.wait(@mutex, 0.5) unless chunk
          end
          next unless chunk
          try_flush(chunk)
        end
      end

      def try_flush(chunk)
        write(chunk)
        @mutex.synchronize do
          @buffer.queue.delete(chunk)
          chunk.purge
          @retry_count = 0
        end
      rescue StandardError => e
        @retry_count += 1
        @log.warn "failed to flush the buffer. retry_times=#{@retry_count} next_retry_seconds=#{@retry_wait} chunk=\"#{chunk.unique_id}\" error_class=#{e.class} error=#{e.message.inspect} plugin_id=\"#{@plugin_id}\""
        sleep @retry_wait
      end

      def before_shutdown
        @mutex.synchronize do
          @buffer.enqueue_staged if @flush_at_shutdown
          @stopping = true
          @cond.broadcast
        end
      end

      def after_shutdown
        @flush_thread.join if @flush_thread
        @log.info "#{@plugin_id}: buffer flushed, #{@buffer.queued_records} records left in #{@buffer.type} buffer"
      end
    end
  end
end
