package dev.tuna.web.server;

/**
 * A request the API refuses: answered as {@code application/problem+json} with this status, the field at fault
 * (empty when it is the request as a whole) and the detail.
 */
public final class ApiException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final int status;
    private final String field;

    public ApiException(int status, String field, String detail) {
        super(detail);
        this.status = status;
        this.field = field == null ? "" : field;
    }

    public int status() {
        return status;
    }

    public String field() {
        return field;
    }
}
