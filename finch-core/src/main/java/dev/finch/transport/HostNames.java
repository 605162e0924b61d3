package dev.finch.transport;

/** Host-name helpers that never touch DNS. */
final class HostNames {
    private HostNames() {}

    /** Strips IPv6 brackets and a trailing dot (an absolute DNS name is the same host for SNI and certificates). */
    static String normalize(String host) {
        String h = host;
        if (h.length() > 1 && h.charAt(0) == '[' && h.charAt(h.length() - 1) == ']') {
            h = h.substring(1, h.length() - 1);
        }
        if (h.length() > 1 && h.endsWith(".")) {
            h = h.substring(0, h.length() - 1);
        }
        return h;
    }

    /**
     * Whether {@code host} is an IP address literal: RFC 6066 section 3 forbids them in SNI, and RFC 6125 checks them
     * against IP SANs instead of DNS names.
     */
    static boolean isIpLiteral(String host) {
        String h = normalize(host);
        if (h.indexOf(':') >= 0) {
            return true; // IPv6 (a host name never contains ':')
        }
        String[] parts = h.split("\\.", -1);
        if (parts.length != 4) {
            return false;
        }
        for (String part : parts) {
            if (part.isEmpty() || part.length() > 3) {
                return false;
            }
            for (int i = 0; i < part.length(); i++) {
                if (part.charAt(i) < '0' || part.charAt(i) > '9') {
                    return false;
                }
            }
            if (Integer.parseInt(part) > 255) {
                return false;
            }
        }
        return true;
    }
}
