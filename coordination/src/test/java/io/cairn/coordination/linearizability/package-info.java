/**
 * A linearizability checker for tests: record what concurrent clients did with a {@link
 * io.cairn.coordination.linearizability.HistoryRecorder}, then ask {@link
 * io.cairn.coordination.linearizability.LinearizabilityChecker#check} whether some single order of
 * the operations, consistent with their real-time order, explains every answer under a sequential
 * {@link io.cairn.coordination.linearizability.Model}:
 *
 * <pre>{@code
 * HistoryRecorder<RegisterModel.Op, Object> recorder = new HistoryRecorder<>();
 * // ... clients: var h = recorder.invoke(id, new RegisterModel.Read("k")); ...; recorder.ok(h, value);
 * LinearizabilityChecker.check(new RegisterModel(), recorder.history(), Duration.ofSeconds(30))
 *     .assertLinearizable();
 * }</pre>
 *
 * <p>An operation whose outcome the client does not know (timeout, dropped connection, a 5xx that
 * may have applied) is recorded with {@code unknown}: it may have taken effect at any time after its
 * call, or never. One known not to have taken effect is recorded with {@code fail} and left out.
 *
 * <p>Published in the coordination test-jar for the node and cache tests.
 */
package io.cairn.coordination.linearizability;
