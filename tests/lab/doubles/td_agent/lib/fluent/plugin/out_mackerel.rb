# THIS IS A TEST DOUBLE of fluent-plugin-mackerel's output (posts service metrics via mackerel-client).
# Like fluent-plugin-mackerel 0.1.3 it requires mackerel-client without a version pin and passes the
# timeout options only when configured (mackerel-client 0.1.0 ignores them).
# Copyright: (c) 2026, sre.remediation contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
require 'mackerel/client'
require 'fluent/plugin/output'

module Fluent
  module Plugin
    class MackerelOutput < Output
      def configure(conf)
        super
        @origin = conf['origin'] || 'http://127.0.0.1:8090'
        @service = conf['service'] || 'lab'
        opts = { mackerel_origin: @origin, mackerel_api_key: conf['api_key'] || 'lab' }
        opts[:timeout] = Float(conf['timeout']) if conf['timeout']
        opts[:open_timeout] = Float(conf['open_timeout']) if conf['open_timeout']
        @client = Mackerel::Client.new(opts)
        @log.info "#{@plugin_id}: using mackerel-client #{Mackerel::Client::VERSION}"
      end

      def write(chunk)
        now = Time.now.to_i
        metrics = chunk.records.map { |id| { 'name' => 'lab.event', 'time' => now, 'value' => 1, 'id' => id } }
        @client.post_service_metrics(@service, metrics)
      end
    end
  end
end
