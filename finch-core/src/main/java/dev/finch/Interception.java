package dev.finch;

import dev.finch.http.HttpHeaders;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One request as the {@link RequestInterceptor}s left it, and their completions: reported once, in reverse order,
 * whatever each of them throws.
 */
final class Interception {
    private static final RequestInterceptor.Completion[] NO_COMPLETIONS = new RequestInterceptor.Completion[0];

    /** The request to send: the caller's, with the headers the interceptors set. */
    final Request request;

    private final RequestInterceptor.Completion[] completions;
    private final AtomicBoolean completed = new AtomicBoolean();

    private Interception(Request request, RequestInterceptor.Completion[] completions) {
        this.request = request;
        this.completions = completions;
    }

    /** A request no interceptor saw. */
    static Interception none(Request request) {
        return new Interception(request, NO_COMPLETIONS);
    }

    /**
     * Runs {@code interceptors} on the calling thread.
     *
     * @throws RuntimeException what an interceptor threw, after the ones before it were completed with it
     */
    static Interception start(RequestInterceptor[] interceptors, Request request) {
        if (interceptors.length == 0) {
            return none(request);
        }
        HttpHeaders.Builder headers = request.headers().toBuilder();
        RequestInterceptor.Completion[] completions = new RequestInterceptor.Completion[interceptors.length];
        for (int i = 0; i < interceptors.length; i++) {
            try {
                RequestInterceptor.Completion c = interceptors[i].intercept(request, headers);
                completions[i] = c == null ? RequestInterceptor.Completion.NONE : c;
            } catch (RuntimeException | Error e) {
                new Interception(request, Arrays.copyOf(completions, i)).complete(0, e);
                throw e;
            }
        }
        HttpHeaders sent = headers.build();
        Request r = sent.equals(request.headers())
                ? request
                : request.toBuilder().headers(sent).build();
        return new Interception(r, completions);
    }

    /** Reports the outcome to every completion, last interceptor first; only the first call counts. */
    void complete(int status, Throwable error) {
        if (completions.length == 0 || !completed.compareAndSet(false, true)) {
            return;
        }
        for (int i = completions.length - 1; i >= 0; i--) {
            try {
                completions[i].onComplete(status, error);
            } catch (VirtualMachineError e) {
                throw e;
            } catch (Throwable t) {
                // The request has ended and its outcome stands: a failing completion must not change it.
            }
        }
    }
}
