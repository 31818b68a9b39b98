# THIS IS A TEST DOUBLE of fluentd's config parser (a small subset of the syntax), not fluentd.
# Copyright: (c) 2026, sre.remediation contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
module Fluent
  class ConfigError < StandardError; end

  class Element
    attr_reader :name, :arg, :attrs, :elements

    def initialize(name, arg)
      @name = name
      @arg = arg
      @attrs = {}
      @elements = []
    end

    def [](key)
      @attrs[key]
    end

    def each_element(name)
      @elements.select { |e| e.name == name }
    end
  end

  module Config
    def self.parse_file(path)
      parse(File.read(path), path)
    end

    def self.parse(text, path = 'config')
      root = Element.new('ROOT', '')
      stack = [root]
      text.each_line.with_index(1) do |raw, lineno|
        line = raw.sub(/(^|\s)#.*$/, '').strip
        next if line.empty?
        if (m = line.match(%r{\A</(\w+)>\z}))
          raise ConfigError, "#{path}:#{lineno}: unexpected </#{m[1]}>" if stack.size < 2 || stack.last.name != m[1]
          stack.pop
        elsif (m = line.match(/\A<(\w+)(?:\s+([^>]*))?>\z/))
          el = Element.new(m[1], (m[2] || '').strip)
          stack.last.elements << el
          stack.push(el)
        elsif (m = line.match(/\A(@?\w+)(?:\s+(.*))?\z/))
          stack.last.attrs[m[1]] = (m[2] || '').strip
        else
          raise ConfigError, "#{path}:#{lineno}: cannot parse #{line.inspect}"
        end
      end
      raise ConfigError, "#{path}: <#{stack.last.name}> is not closed" if stack.size > 1
      root
    end

    def self.time(value, default)
      return default if value.nil? || value.empty?
      m = value.match(/\A(\d+(?:\.\d+)?)([smh]?)\z/) or raise ConfigError, "bad time value #{value.inspect}"
      m[1].to_f * { '' => 1, 's' => 1, 'm' => 60, 'h' => 3600 }[m[2]]
    end

    def self.bool(value, default)
      return default if value.nil? || value.empty?
      %w[true yes 1].include?(value)
    end
  end
end
