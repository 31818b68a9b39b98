# THIS IS A TEST DOUBLE of the mackerel-client gem (lab double, built with gem build during provisioning).
# Copyright: (c) 2026, sre.remediation contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
Gem::Specification.new do |s|
  s.name = 'mackerel-client'
  s.version = '0.1.0'
  s.summary = 'THIS IS A TEST DOUBLE of mackerel-client (sre.remediation lab)'
  s.authors = ['sre.remediation contributors']
  s.license = 'GPL-3.0-or-later'
  s.files = ['lib/mackerel/client.rb']
  s.require_paths = ['lib']
end
