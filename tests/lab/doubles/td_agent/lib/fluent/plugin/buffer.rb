# THIS IS A TEST DOUBLE of fluentd's memory and file buffers, not fluentd.
# Chunks hold one record (an event id) per line. File chunks live at <path>.b<id>.log (staged) and
# <path>.q<id>.log (queued), written with sync=true like fluentd's buf_file: they survive a crash.
# Copyright: (c) 2026, sre.remediation contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
require 'securerandom'
require 'fileutils'

module Fluent
  module Plugin
    class Chunk
      attr_reader :unique_id, :records, :created_at, :path

      def initialize(unique_id, path = nil, records = [])
        @unique_id = unique_id
        @path = path
        @records = records
        @created_at = Time.now
        @io = nil
        return unless path
        @io = File.open(path, 'ab', 0o644)
        @io.sync = true
      end

      def append(line)
        @records << line
        @io&.write(line + "\n")
      end

      def size
        @records.size
      end

      def enqueued!
        return unless @path
        @io&.close
        @io = nil
        queued = @path.sub(/\.b([0-9a-f]+)\.log\z/, '.q\1.log')
        File.rename(@path, queued)
        @path = queued
      end

      def purge
        @io&.close
        @io = nil
        File.unlink(@path) if @path && File.exist?(@path)
      end
    end

    class Buffer
      attr_reader :type, :queue

      def initialize(type, path, chunk_limit_records, log)
        @type = type
        @path = path
        @limit = chunk_limit_records
        @log = log
        @stage = nil
        @queue = []
      end

      def file?
        @type == 'file'
      end

      def resume
        return unless file?
        FileUtils.mkdir_p(File.dirname(@path))
        files = Dir.glob("#{@path}.[bq]*.log").sort_by { |f| [f.include?('.q') ? 0 : 1, File.mtime(f)] }
        files.each do |f|
          m = f.match(/\.([bq])([0-9a-f]+)\.log\z/) or next
          records = File.read(f).split("\n").reject(&:empty?)
          chunk = Chunk.new(m[2], nil, records)
          chunk.instance_variable_set(:@path, f)
          chunk.enqueued! if m[1] == 'b'
          @queue << chunk
          @log.info "resumed #{m[1] == 'q' ? 'queued' : 'staged'} buffer chunk #{File.basename(f)} records=#{records.size}"
        end
      end

      def append(line)
        @stage ||= new_chunk
        @stage.append(line)
        enqueue_staged if @stage.size >= @limit
      end

      def new_chunk
        id = SecureRandom.hex(16)
        Chunk.new(id, file? ? "#{@path}.b#{id}.log" : nil)
      end

      def staged_age
        @stage ? Time.now - @stage.created_at : 0
      end

      def enqueue_staged
        return unless @stage
        @stage.enqueued!
        @queue << @stage
        @stage = nil
      end

      def queued_records
        @queue.sum(&:size) + (@stage ? @stage.size : 0)
      end
    end
  end
end
