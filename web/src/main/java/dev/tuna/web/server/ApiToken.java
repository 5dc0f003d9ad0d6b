package dev.tuna.web.server;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;

/**
 * The bearer token that mutating routes require when the server listens beyond the loopback address. Generated at
 * the first start (32 random bytes), stored in a file that only its owner may read or write (POSIX 600), and read
 * from there on later starts.
 *
 * @param value   the token
 * @param created whether this start generated it (the server prints it once, then)
 */
public record ApiToken(String value, boolean created) {
    /** The token's file in the data folder. */
    public static final String FILE = "api-token";

    /** Reads the token of a data folder, generating it the first time. */
    public static ApiToken loadOrCreate(Path dataDir) {
        Path file = dataDir.resolve(FILE);
        try {
            dev.tuna.core.storage.DataFolder.create(dataDir);
            if (Files.exists(file)) {
                String stored;
                try {
                    stored = Files.readString(file, StandardCharsets.US_ASCII).strip();
                } catch (java.nio.charset.CharacterCodingException e) {
                    throw new IllegalStateException("the API token file " + file + " holds a byte that is not ASCII (a"
                            + " token is printable ASCII): fix it, or delete it and the next start makes a new token");
                }
                warnIfOthersMayRead(file);
                if (stored.isEmpty()) {
                    // No request could ever be accepted: say so rather than serve a server nobody can change.
                    throw new IllegalStateException("the API token file " + file + " is empty: delete it, and the next "
                            + "start makes a new token");
                }
                return new ApiToken(stored, false);
            }
            byte[] bytes = new byte[32];
            new SecureRandom().nextBytes(bytes);
            String token = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
            // Written whole to a file of its own, then linked in under its name: a full disk or a kill half-way left an
            // empty token file, and every later start refused it.
            Path written;
            try {
                // Created with its permissions, so that the token is never readable by others, even briefly.
                written = Files.createTempFile(dataDir, FILE, ".tmp",
                        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            } catch (UnsupportedOperationException notPosix) {
                written = Files.createTempFile(dataDir, FILE, ".tmp");
            }
            try {
                Files.writeString(written, token + "\n", StandardCharsets.US_ASCII);
                try {
                    Files.createLink(file, written); // fails if another start made one meanwhile: that one is used
                } catch (FileAlreadyExistsException raced) {
                    throw raced;
                } catch (UnsupportedOperationException | IOException noLinks) {
                    // A file system without hard links: renamed into place instead.
                    Files.move(written, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
                }
            } finally {
                Files.deleteIfExists(written);
            }
            return new ApiToken(token, true);
        } catch (FileAlreadyExistsException raced) {
            return loadOrCreate(dataDir);
        } catch (IOException e) {
            throw new UncheckedIOException("api token " + file + ": " + e.getMessage(), e);
        }
    }

    /** A token file that other users may read (copied, or made by hand) is said so at every start. */
    private static void warnIfOthersMayRead(Path file) {
        try {
            var permissions = Files.getPosixFilePermissions(file);
            if (permissions.stream().anyMatch(p -> p.name().startsWith("GROUP") || p.name().startsWith("OTHERS"))) {
                org.slf4j.LoggerFactory.getLogger(ApiToken.class).warn("the API token file {} may be read by other users"
                        + " ({}): chmod 600 it", file, PosixFilePermissions.toString(permissions));
            }
        } catch (UnsupportedOperationException | IOException notPosix) {
            // nothing to say on a file system without POSIX permissions
        }
    }

    /**
     * Whether an {@code Authorization} header carries this token (compared in constant time); the scheme's case does
     * not matter (RFC 7235).
     */
    public boolean accepts(String authorization) {
        return bearer(authorization) && is(authorization.strip().substring("Bearer".length()));
    }

    /** Whether an {@code Authorization} header is of the Bearer scheme (in any case, RFC 7235), token or none. */
    static boolean bearer(String authorization) {
        String header = authorization == null ? "" : authorization.strip();
        return header.regionMatches(true, 0, "Bearer ", 0, "Bearer ".length()) || header.equalsIgnoreCase("Bearer");
    }

    /** Whether {@code given} (a cookie's value) is this token, compared in constant time. */
    public boolean is(String given) {
        byte[] bytes = given == null ? new byte[0] : given.strip().getBytes(StandardCharsets.UTF_8);
        return bytes.length > 0 && MessageDigest.isEqual(bytes, value.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * The key the dashboard's cookie holds for reads (event streams send no header): an HMAC of the token, so that the
     * cookie, which the browser sends to any port of the host, carries no credential for changes and not the token.
     */
    public String readKey() {
        try {
            javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
            mac.init(new javax.crypto.spec.SecretKeySpec(value.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return java.util.HexFormat.of().formatHex(mac.doFinal("tuna dashboard reads".getBytes(StandardCharsets.UTF_8)));
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is missing from this Java", e); // every Java has it
        }
    }

    /** Whether {@code given} (a cookie's value) is this token's {@link #readKey}, compared in constant time. */
    public boolean isReadKey(String given) {
        byte[] bytes = given == null ? new byte[0] : given.strip().getBytes(StandardCharsets.UTF_8);
        return bytes.length > 0 && MessageDigest.isEqual(bytes, readKey().getBytes(StandardCharsets.UTF_8));
    }

    /** Deletes the token file when this start made it: a start that failed must not leave a token never shown. */
    void forgetIfCreated(Path dataDir) {
        if (created) {
            try {
                Files.deleteIfExists(dataDir.resolve(FILE));
            } catch (IOException ignored) {
                // The start's own failure is the news; a token left behind still works.
            }
        }
    }

    @Override
    public String toString() {
        return "ApiToken[****]";
    }
}
