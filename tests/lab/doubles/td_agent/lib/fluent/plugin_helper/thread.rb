# THIS IS A TEST DOUBLE of fluentd's thread plugin helper, not fluentd.
# Copyright: (c) 2026, sre.remediation contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
module Fluent
  module PluginHelper
    module Thread
      def thread_create(title)
        ::Thread.new do
          ::Thread.current.name = title.to_s
          ::Thread.current.abort_on_exception = false
          yield
        end
      end
    end
  end
end
