# THIS IS A TEST DOUBLE of mackerel-client 0.1.0: like the real 0.1.0 it sets NO HTTP timeouts
# (mackerel-client-ruby PR #24). Ruby 3.1's Net::HTTP would default to 60 s, so they are set to nil
# explicitly to reproduce "no timeout": a peer that accepts and never answers blocks the caller forever.
# Copyright: (c) 2026, sre.remediation contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
require 'net/http'
require 'json'
require 'uri'

module Mackerel
  class Client
    VERSION = '0.1.0'.freeze

    def initialize(args = {})
      @origin = args[:mackerel_origin] || 'https://mackerel.io'
      @api_key = args[:mackerel_api_key]
    end

    def post_service_metrics(service_name, metrics)
      uri = URI.parse("#{@origin}/api/v0/services/#{service_name}/tsdb")
      http = Net::HTTP.new(uri.host, uri.port)
      http.open_timeout = nil
      http.read_timeout = nil
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
