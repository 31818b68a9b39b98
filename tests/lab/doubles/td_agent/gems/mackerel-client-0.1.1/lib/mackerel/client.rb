# THIS IS A TEST DOUBLE of mackerel-client 0.1.1: like the real 0.1.1 it sets HTTP timeouts
# (options :timeout and :open_timeout, both 30 s by default), so a hung peer raises instead of
# blocking forever and the chunk is retried.
# Copyright: (c) 2026, sre.remediation contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
require 'net/http'
require 'json'
require 'uri'

module Mackerel
  class Client
    VERSION = '0.1.1'.freeze

    def initialize(args = {})
      @origin = args[:mackerel_origin] || 'https://mackerel.io'
      @api_key = args[:mackerel_api_key]
      @timeout = args[:timeout] || 30
      @open_timeout = args[:open_timeout] || 30
    end

    def post_service_metrics(service_name, metrics)
      uri = URI.parse("#{@origin}/api/v0/services/#{service_name}/tsdb")
      http = Net::HTTP.new(uri.host, uri.port)
      http.open_timeout = @open_timeout
      http.read_timeout = @timeout
      http.write_timeout = @timeout
      req = Net::HTTP::Post.new(uri.request_uri, 'X-Api-Key' => @api_key.to_s,
                                                 'Content-Type' => 'application/json',
                                                 'User-Agent' => "mackerel-client-ruby/#{VERSION}")
      req.body = JSON.dump(metrics)
      res = http.start { |h| h.request(req) }
      raise "POST /api/v0/services/#{service_name}/tsdb failed: #{res.code}" unless res.code == '200'
      JSON.parse(res.body)
    end
  end
end
