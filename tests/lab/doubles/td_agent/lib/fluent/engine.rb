# THIS IS A TEST DOUBLE of fluentd's worker engine (signals like fluentd >= 1.16), not fluentd.
#   TERM/INT: stop once (repeats ignored); USR1: reopen log + flush all buffers; CONT: sigdump unless
#   stopping (fluentd >= 1.16 ignores it after TERM); HUP: logged.
# Lab fault: when double-fault-ignore-term exists next to the config at start (/etc/td-agent/ or /etc/fluent/),
# the worker ignores TERM.
# Copyright: (c) 2026, sre.remediation contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
require 'fluent/root_agent'

module Fluent
  class EngineClass
    def initialize(log, config_path)
      @log = log
      @config_path = config_path
      @stop_requested = false
      @flush_requested = false
      @finished = false
    end

    def install_main_process_signal_handlers
      fault = File.join(File.dirname(@config_path), 'double-fault-ignore-term')
      ignore_term = File.exist?(fault)
      %w[TERM INT].each do |sig|
        trap(sig) do
          if ignore_term
            @log.warn "ignoring SIG#{sig} (lab fault #{fault})"
          else
            @stop_requested = true
          end
        end
      end
      trap('USR1') { @flush_requested = true }
      trap('HUP') { @log.info 'got SIGHUP (worker: nothing to do)' }
      trap('CONT') { dump_non_windows }
    end

    def dump_non_windows
      Sigdump.dump unless @stop_requested
    rescue StandardError
      nil
    end

    def run
      conf = Config.parse_file(@config_path)
      @root_agent = RootAgent.new(@log)
      @root_agent.configure(conf)
      install_main_process_signal_handlers
      @root_agent.start
      @log.info 'fluentd worker is now running worker=0'
      until @stop_requested
        sleep 0.2
        next unless @flush_requested
        @flush_requested = false
        @log.reopen
        @log.info 'force flushing buffered events'
        @root_agent.flush!
      end
      @log.info 'fluentd worker is now stopping worker=0'
      @root_agent.shutdown
      @finished = true
      @log.info 'fluentd worker finished worker=0'
    end
  end
end
