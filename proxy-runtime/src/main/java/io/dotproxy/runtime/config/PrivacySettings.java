package io.dotproxy.runtime.config;

/**
 * What the upstreams learn about clients.
 *
 * @param ednsPadding pad queries to upstreams to 128-byte blocks (RFC 7830, RFC 8467)
 * @param stripClientSubnet remove EDNS Client Subnet from queries before they leave
 */
public record PrivacySettings(boolean ednsPadding, boolean stripClientSubnet) {}
