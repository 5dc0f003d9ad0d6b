package dev.tuna.web.server;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.handler.ErrorHandler;

/**
 * Jetty's own error answers (a request Jetty refuses before Javalin sees it: a URI or headers too long, a
 * malformed request line) as {@code application/problem+json}, like every other error of the API.
 */
final class ProblemErrorHandler extends ErrorHandler {

    @Override
    public ByteBuffer badMessageError(int status, String reason, HttpFields.Mutable fields) {
        fields.put(HttpHeader.CONTENT_TYPE, TunaServer.PROBLEM_JSON);
        return ByteBuffer.wrap(body(status, reason));
    }

    @Override
    protected void generateAcceptableResponse(Request baseRequest, HttpServletRequest request, HttpServletResponse response,
                                              int code, String message) throws IOException {
        response.setContentType(TunaServer.PROBLEM_JSON);
        response.getOutputStream().write(body(code, message));
        baseRequest.setHandled(true);
    }

    static byte[] body(int status, String reason) {
        String title = HttpStatus.getMessage(status);
        // Jetty gives no reason for a URL it cannot decode (a '%' without two hex digits after it, or %00): say what to
        // look at.
        String detail = reason != null && !reason.isBlank() && !reason.equals(title) ? reason
                : status == 400 ? "the request cannot be read: its request line, URL or a header is malformed (in a URL,"
                + " a '%' must start an escape of two hex digits, such as %2F, and %00 is not allowed)" : title;
        return ("{\"type\":\"about:blank\",\"title\":\"" + escape(title) + "\",\"status\":" + status
                + ",\"detail\":\"" + escape(detail) + "\",\"field\":\"\"}").getBytes(StandardCharsets.UTF_8);
    }

    private static String escape(String s) {
        StringBuilder b = new StringBuilder();
        for (char c : s.toCharArray()) {
            if (c == '"' || c == '\\') {
                b.append('\\').append(c);
            } else if (c < 0x20) {
                b.append(String.format("\\u%04x", (int) c));
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }
}
