package io.cairn.membership.transport;

/**
 * Bytes that are not a valid message, or a message that cannot be encoded within the codec's
 * limits. Decoding throws only this, whatever the input.
 */
public final class CodecException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public CodecException(String message) {
    super(message);
  }

  public CodecException(String message, Throwable cause) {
    super(message, cause);
  }
}
