package io.cairn.coordination.shell;

/**
 * A proposed entry was overwritten by a later leader before it committed: it was not applied and
 * never will be. Safe to propose again.
 */
public final class CommandLostException extends RuntimeException {
  public CommandLostException(long index, long proposedTerm, long committedTerm) {
    super("the entry proposed at index " + index + " in term " + proposedTerm + " was replaced by one of term "
        + committedTerm + " (leadership changed before it committed)", null, false, false);
  }
}
