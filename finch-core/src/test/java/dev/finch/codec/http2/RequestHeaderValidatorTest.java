package dev.finch.codec.http2;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.finch.http.HttpHeaders;
import dev.finch.http.HttpProtocolException;
import dev.finch.http.HttpProtocolException.Reason;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The checks on request fields before they are sent (RFC 9113 §8.2, §8.3.1). */
class RequestHeaderValidatorTest {
    private static final String[] PSEUDO = {
        ":method", "GET", ":scheme", "https", ":authority", "example.com", ":path", "/a?b=c"
    };

    private static HttpHeaders request(String... regular) {
        String[] all = new String[PSEUDO.length + regular.length];
        System.arraycopy(PSEUDO, 0, all, 0, PSEUDO.length);
        System.arraycopy(regular, 0, all, PSEUDO.length, regular.length);
        return HttpHeaders.of(all);
    }

    private static HttpProtocolException refusal(HttpHeaders fields) {
        Throwable thrown = catchThrowable(() -> RequestHeaderValidator.validate(fields));
        assertThat(thrown).isExactlyInstanceOf(HttpProtocolException.class);
        return (HttpProtocolException) thrown;
    }

    @Test
    void acceptsAWellFormedRequest() throws HttpProtocolException {
        RequestHeaderValidator.validate(
                request("accept", "*/*", "te", "trailers", "x-tab", "a\tb", "host", "EXAMPLE.com", "x-empty", ""));
    }

    @Test
    void refusesUppercaseNamesNamingTheHeader() {
        HttpProtocolException e = refusal(request("Accept", "*/*"));
        assertThat(e.reason()).isEqualTo(Reason.INVALID_HEADER_NAME);
        assertThat(e.detail()).contains("Accept");
    }

    @ParameterizedTest(name = "name \"{0}\"")
    @ValueSource(strings = {"x y", "x:y", "", "x\u00e9", "x\r\ny", "(x)"})
    void refusesNamesThatAreNotTokens(String name) {
        assertThat(refusal(request(name, "1")).reason()).isEqualTo(Reason.INVALID_HEADER_NAME);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade"})
    void refusesConnectionSpecificHeaders(String name) {
        HttpProtocolException e = refusal(request(name, "x"));
        assertThat(e.reason()).isEqualTo(Reason.INVALID_HEADER_NAME);
        assertThat(e.detail()).startsWith(name + ":");
    }

    @Test
    void refusesTeOtherThanTrailers() {
        HttpProtocolException e = refusal(request("te", "gzip"));
        assertThat(e.reason()).isEqualTo(Reason.INVALID_HEADER_VALUE);
        assertThat(e.detail()).startsWith("te:");
    }

    @ParameterizedTest(name = "value with {0}")
    @CsvSource({"CR, '\r'", "LF, '\n'", "NUL, '\u0000'", "DEL, '\u007f'", "BEL, '\u0007'", "U+0100, '\u0100'"})
    void refusesValuesWithControlCharacters(String what, String c) {
        HttpProtocolException e = refusal(request("x-a", "1" + c + "2"));
        assertThat(e.reason()).isEqualTo(Reason.INVALID_HEADER_VALUE);
        assertThat(e.detail()).startsWith("x-a:").doesNotContain("1" + c + "2");
    }

    @ParameterizedTest(name = "value \"{0}\"")
    @ValueSource(strings = {" x", "x ", "\tx", "x\t"})
    void refusesValuesWithLeadingOrTrailingWhitespace(String value) {
        assertThat(refusal(request("x-a", value)).reason()).isEqualTo(Reason.INVALID_HEADER_VALUE);
    }

    @Test
    void refusesPseudoHeadersAfterRegularFields() {
        HttpHeaders fields = HttpHeaders.of(":method", "GET", ":scheme", "https", "accept", "*/*", ":path", "/");
        assertThat(refusal(fields).detail()).startsWith(":path:");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {":status", ":protocol", ":foo"})
    void refusesPseudoHeadersThatRequestsDoNotHave(String name) {
        HttpHeaders fields = HttpHeaders.of(":method", "GET", ":scheme", "https", ":path", "/", name, "x");
        assertThat(refusal(fields).detail()).startsWith(name + ":");
    }

    @Test
    void refusesRepeatedPseudoHeaders() {
        HttpHeaders fields = HttpHeaders.of(":method", "GET", ":scheme", "https", ":path", "/", ":path", "/b");
        assertThat(refusal(fields).detail()).contains("repeated");
    }

    @ParameterizedTest(name = "without {0}")
    @ValueSource(strings = {":method", ":scheme", ":path"})
    void refusesRequestsMissingARequiredPseudoHeader(String missing) {
        HttpHeaders.Builder fields = HttpHeaders.builder();
        for (int i = 0; i < PSEUDO.length; i += 2) {
            if (!PSEUDO[i].equals(missing)) {
                fields.add(PSEUDO[i], PSEUDO[i + 1]);
            }
        }
        HttpProtocolException e = refusal(fields.build());
        assertThat(e.reason()).isEqualTo(Reason.INVALID_HEADER_NAME);
        assertThat(e.detail()).startsWith(missing + ": missing");
    }

    @Test
    void acceptsConnectWithOnlyMethodAndAuthority() throws HttpProtocolException {
        RequestHeaderValidator.validate(HttpHeaders.of(":method", "CONNECT", ":authority", "example.com:443"));
    }

    @Test
    void refusesConnectWithAPath() {
        HttpHeaders fields = HttpHeaders.of(":method", "CONNECT", ":authority", "example.com:443", ":path", "/");
        assertThat(refusal(fields).detail()).startsWith(":path:");
    }

    @Test
    void refusesAMethodThatIsNotAToken() {
        HttpHeaders fields = HttpHeaders.of(":method", "GE T", ":scheme", "https", ":path", "/");
        assertThat(refusal(fields).reason()).isEqualTo(Reason.INVALID_METHOD);
    }

    @ParameterizedTest(name = "path \"{0}\"")
    @ValueSource(strings = {"", "a", "/a b", "/\u00e9", "*"})
    void refusesPathsThatAreNotOriginFormTargets(String path) {
        HttpHeaders fields = HttpHeaders.of(":method", "GET", ":scheme", "https", ":path", path);
        assertThat(refusal(fields).reason()).isEqualTo(Reason.INVALID_REQUEST_TARGET);
    }

    @Test
    void acceptsAsteriskForOptions() throws HttpProtocolException {
        RequestHeaderValidator.validate(HttpHeaders.of(":method", "OPTIONS", ":scheme", "https", ":path", "*"));
    }

    @Test
    void refusesAHostThatDiffersFromAuthority() {
        HttpProtocolException e = refusal(request("host", "other.example"));
        assertThat(e.reason()).isEqualTo(Reason.INVALID_HEADER_VALUE);
        assertThat(e.detail()).startsWith("host:");
    }

    @Test
    void checksTrailersByTheSameRulesWithoutPseudoHeaders() throws HttpProtocolException {
        RequestHeaderValidator.validateTrailers(HttpHeaders.of("x-checksum", "abc"));
        Throwable pseudo = catchThrowable(() -> RequestHeaderValidator.validateTrailers(HttpHeaders.of(":path", "/")));
        Throwable bad = catchThrowable(() -> RequestHeaderValidator.validateTrailers(HttpHeaders.of("x-a", "1\r\n2")));
        assertThat(((HttpProtocolException) pseudo).reason()).isEqualTo(Reason.INVALID_HEADER_NAME);
        assertThat(((HttpProtocolException) bad).reason()).isEqualTo(Reason.INVALID_HEADER_VALUE);
    }

    @Test
    void lowercasesNamesKeepingValuesAndOrder() {
        assertThat(RequestHeaderValidator.lowercaseNames(HttpHeaders.of("Accept", "Text/HTML", "X-ID", "7")))
                .isEqualTo(HttpHeaders.of("accept", "Text/HTML", "x-id", "7"));
    }
}
