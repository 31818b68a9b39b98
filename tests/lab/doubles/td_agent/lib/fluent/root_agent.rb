# THIS IS A TEST DOUBLE of fluentd's RootAgent (routing, start/shutdown order), not fluentd.
# Copyright: (c) 2026, sre.remediation contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
require 'fluent/config'
require 'fluent/plugin/in_http'
require 'fluent/plugin/out_mackerel'

module Fluent
  class RootAgent
    attr_reader :outputs, :stopping

    def initialize(log)
      @log = log
      @inputs = []
      @outputs = []
      @routes = []
      @stopping = false
    end

    def configure(conf)
      conf.each_element('source').each do |s|
        raise ConfigError, "unknown input type #{s['@type']}" unless s['@type'] == 'http'
        input = Plugin::HttpInput.new(@log, self)
        input.configure(s)
        @inputs << input
      end
      conf.each_element('match').each do |m|
        raise ConfigError, "unknown output type #{m['@type']}" unless m['@type'] == 'mackerel'
        out = Plugin::MackerelOutput.new(@log)
        out.configure(m)
        @outputs << out
        @routes << [pattern(m.arg), out]
      end
      raise ConfigError, 'no <match> section' if @outputs.empty?
    end

    def pattern(text)
      alts = text.split(/\s+/).map do |p|
        Regexp.escape(p).gsub('\*\*', '.*').gsub('\*', '[^.]+')
      end
      Regexp.new("\\A(?:#{alts.join('|')})\\z")
    end

    def emit(tag, time, record)
      route = @routes.find { |re, _| re.match?(tag) }
      raise ArgumentError, "no output matches tag #{tag}" unless route
      route[1].emit(tag, time, record)
    end

    def start
      @outputs.each(&:start)
      @inputs.each(&:start)
    end

    def flush!
      @outputs.each(&:force_flush)
    end

    def shutdown
      @stopping = true
      @inputs.each(&:shutdown)
      @outputs.each do |o|
        @log.info "shutting down output plugin type=:#{o.type} plugin_id=\"#{o.plugin_id}\""
        o.before_shutdown
      end
      @outputs.each(&:after_shutdown)
    end
  end
end
