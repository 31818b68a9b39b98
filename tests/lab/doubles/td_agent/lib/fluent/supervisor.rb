# THIS IS A TEST DOUBLE of fluentd's supervisor (ServerEngine-like), not fluentd.
# Default config: $FLUENT_CONF (set by the units, like fluentd), else /etc/td-agent/td-agent.conf.
# Supervisor: daemonizes with --daemon PIDFILE, spawns one worker (`ruby ... --under-supervisor`),
# respawns it when it dies unexpectedly, forwards TERM/INT/USR1, HUP = restart the worker, CONT =
# sigdump of this process only (skipped after stop). After TERM it waits for the worker without a
# timeout, then removes the pid file and exits.
# Copyright: (c) 2026, sre.remediation contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
require 'rbconfig'
require 'optparse'
require 'sigdump/setup'
require 'fluent/log'
require 'fluent/config'

module Fluent
  class Supervisor
    VERSION = '1.16.2.double'.freeze
    # fluent-package 5 installs fluentd under /opt/fluent, td-agent under /opt/td-agent
    PACKAGE = ($PROGRAM_NAME.start_with?('/opt/fluent/') ? 'fluent-package 5.0.7.double' : 'td-agent 4.5.2.double').freeze

    def initialize(argv)
      @argv = argv.dup
      @opts = { config: ENV['FLUENT_CONF'] || '/etc/td-agent/td-agent.conf', log: nil, daemon: nil, worker: false, dry_run: false }
      OptionParser.new do |o|
        o.on('-c', '--config PATH') { |v| @opts[:config] = v }
        o.on('-o', '--log PATH') { |v| @opts[:log] = v }
        o.on('-d', '--daemon PIDFILE') { |v| @opts[:daemon] = v }
        o.on('--under-supervisor') { @opts[:worker] = true }
        o.on('--dry-run') { @opts[:dry_run] = true }
        o.on('--version') { puts "#{PACKAGE} fluentd #{VERSION} (lab double)"; exit 0 }
      end.parse!(argv)
    end

    def run
      return dry_run if @opts[:dry_run]
      return run_worker if @opts[:worker]
      daemonize if @opts[:daemon]
      supervise
    end

    def dry_run
      require 'fluent/root_agent'
      RootAgent.new(Log.new(nil)).configure(Config.parse_file(@opts[:config]))
      puts "config #{@opts[:config]} OK"
      exit 0
    rescue ConfigError, SystemCallError, ArgumentError => e
      warn "config error: #{e.message}"
      exit 1
    end

    def run_worker
      log = Log.new(@opts[:log], '#0 ')
      log.info "starting fluentd worker pid=#{Process.pid} ppid=#{Process.ppid} worker=0"
      require 'fluent/engine'
      EngineClass.new(log, @opts[:config]).run
      exit 0
    rescue ConfigError => e
      log.error "config error: #{e.message}"
      exit 2
    end

    def daemonize
      rd, wr = IO.pipe
      if fork
        wr.close
        ok = rd.read
        exit(ok == 'ok' ? 0 : 1)
      end
      rd.close
      Process.setsid
      exit!(0) if fork
      File.write(@opts[:daemon], "#{Process.pid}\n")
      @pid_file = @opts[:daemon]
      Dir.chdir('/')
      $stdin.reopen('/dev/null')
      $stdout.reopen('/dev/null', 'a')
      $stderr.reopen(@opts[:log] || '/dev/null', 'a')
      wr.write('ok')
      wr.close
    end

    def spawn_worker
      args = [RbConfig.ruby, '-Eascii-8bit:ascii-8bit', $0, '--config', @opts[:config], '--under-supervisor']
      args += ['--log', @opts[:log]] if @opts[:log]
      @worker = Process.spawn(*args)
      @log.info "adding worker pid=#{@worker} worker=0"
    end

    def install_supervisor_signal_handlers
      %w[TERM INT].each do |sig|
        trap(sig) do
          unless @stop
            @stop = true
            Process.kill(:TERM, @worker) rescue nil
          end
        end
      end
      trap('HUP') { Process.kill(:TERM, @worker) rescue nil }
      trap('USR1') do
        @log.reopen
        Process.kill(:USR1, @worker) rescue nil
      end
      trap('CONT') { Sigdump.dump unless @stop }
    end

    def supervise
      @log = Log.new(@opts[:log])
      @log.info "starting fluentd-#{VERSION} pid=#{Process.pid} ruby=\"#{RUBY_VERSION}\" (lab double)"
      @stop = false
      install_supervisor_signal_handlers
      spawn_worker
      loop do
        sleep 0.5
        pid, status = Process.wait2(@worker, Process::WNOHANG)
        next unless pid
        if @stop
          @log.info "Worker 0 finished with status #{status.exitstatus.inspect}#{status.signaled? ? " (signal #{status.termsig})" : ''}"
          break
        end
        @log.warn "Worker 0 finished unexpectedly with #{status.signaled? ? "signal #{Signal.signame(status.termsig)}" : "status #{status.exitstatus}"}"
        sleep 1
        spawn_worker unless @stop
      end
      File.unlink(@pid_file) if @pid_file && File.exist?(@pid_file) && File.read(@pid_file).to_i == Process.pid
      @log.info "fluentd supervisor process finished pid=#{Process.pid}"
      exit 0
    end
  end
end
