package dev.afmflink.data;

/** Bad input, with where it was found: {@code file:line: reason}. */
public final class DataFormatException extends RuntimeException {
    public DataFormatException(String message) {
        super(message);
    }
}
