package dev.tuna.web.server;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpFilter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.Collections;
import java.util.Enumeration;

/**
 * Lets the event stream serve every client that accepts it: Javalin streams only to a request whose header is
 * exactly {@code Accept: text/event-stream}, and answered curl ({@code Accept: *}{@code /*}) or a client that
 * sends no Accept with an empty 200. Such a request to an {@code .../events} route is shown to Javalin with that
 * exact header; one that accepts no event stream is left as it is (and refused with a 406).
 */
final class EventStreamAccept extends HttpFilter {
    private static final long serialVersionUID = 1L;
    private static final String EVENT_STREAM = "text/event-stream";

    @Override
    protected void doFilter(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        String accept = request.getHeader("Accept");
        // "/events/" too: Javalin routes it to the stream as well (it answered an empty 200).
        if (request.getRequestURI().matches(".*/events/?") && !EVENT_STREAM.equals(accept)
                && TunaServer.acceptsEventStream(accept)) {
            request = new HttpServletRequestWrapper(request) {
                @Override
                public String getHeader(String name) {
                    return "Accept".equalsIgnoreCase(name) ? EVENT_STREAM : super.getHeader(name);
                }

                @Override
                public Enumeration<String> getHeaders(String name) {
                    return "Accept".equalsIgnoreCase(name) ? Collections.enumeration(java.util.List.of(EVENT_STREAM))
                            : super.getHeaders(name);
                }
            };
        }
        chain.doFilter(request, response);
    }
}
