# THIS IS A TEST DOUBLE of fluentd's in_http (a tiny subset), not fluentd.
# POST /<tag> with one event id per line; answers 200 only after every event is in the buffer.
# GET /api/plugins.json answers like in_monitor_agent (buffer_queue_length, retry_count).
# Copyright: (c) 2026, sre.remediation contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
require 'socket'
require 'json'
require 'fluent/plugin_helper/thread'

module Fluent
  module Plugin
    class HttpInput
      include Fluent::PluginHelper::Thread

      def initialize(log, router)
        @log = log
        @router = router
      end

      def configure(conf)
        @bind = conf['bind'] || '127.0.0.1'
        @port = Integer(conf['port'] || 9880)
      end

      def start
        @server = TCPServer.new(@bind, @port)
        @thread = thread_create(:in_http_server) { run }
        @log.info "listening http on #{@bind}:#{@port}"
      end

      def run
        loop do
          sock = @server.accept
          begin
            handle(sock)
          rescue StandardError => e
            @log.warn "in_http: #{e.class}: #{e.message}"
          ensure
            sock.close rescue nil
          end
        end
      rescue IOError, Errno::EBADF
        nil # server closed at shutdown
      end

      def handle(sock)
        request = sock.gets or return
        verb, path, = request.split(' ')
        headers = {}
        while (line = sock.gets) && line != "\r\n"
          k, v = line.split(':', 2)
          headers[k.downcase] = v.to_s.strip
        end
        body = sock.read(headers['content-length'].to_i) if headers['content-length']
        if verb == 'GET' && path == '/api/plugins.json'
          return reply(sock, 200, JSON.dump('plugins' => @router.outputs.map(&:stats)))
        end
        return reply(sock, 405, "use POST /<tag>\n") unless verb == 'POST'
        tag = path.sub(%r{\A/}, '').split('?').first
        return reply(sock, 503, "shutting down\n") if @router.stopping
        now = Time.now.to_i
        count = 0
        (body || '').each_line do |l|
          id = l.strip
          next if id.empty?
          @router.emit(tag, now, { 'id' => id })
          count += 1
        end
        reply(sock, 200, "ok #{count}\n")
      end

      def reply(sock, code, text)
        sock.write("HTTP/1.1 #{code} X\r\nContent-Type: text/plain\r\nContent-Length: #{text.bytesize}\r\nConnection: close\r\n\r\n#{text}")
      end

      def shutdown
        @server&.close
        @thread&.join(5)
      end
    end
  end
end
