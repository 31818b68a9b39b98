# THIS IS A TEST DOUBLE of fluentd's logger (td-agent lab double), not fluentd.
# Copyright: (c) 2026, sre.remediation contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
module Fluent
  class Log
    def initialize(path, prefix = '')
      @path = path
      @prefix = prefix
      @io = path ? File.open(path, 'a') : $stdout
      @io.sync = true
    end

    attr_accessor :prefix

    def reopen
      return unless @path
      old = @io
      @io = File.open(@path, 'a')
      @io.sync = true
      old.close rescue nil
    end

    %w[debug info warn error].each do |level|
      define_method(level) do |msg|
        @io.write("#{Time.now.strftime('%Y-%m-%d %H:%M:%S %z')} [#{level}]: #{@prefix}#{msg}\n") rescue nil
      end
    end
  end
end
