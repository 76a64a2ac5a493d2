package io.cairn.api.v1;

import io.cairn.membership.Member;
import io.cairn.membership.MemberEvent;
import io.cairn.membership.MemberMetadata;
import io.cairn.membership.Membership;
import io.cairn.membership.NodeId;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Locale;
import java.util.OptionalDouble;

/** The JSON of the contract's cluster schemas, from the membership module's value types. */
final class MemberViews {
  /**
   * The highest phi reported. The detector's arithmetic gives infinity after a long silence, and
   * JSON has no infinity; any phi past the threshold means the same to a reader.
   */
  static final double PHI_CAP = 1000.0;

  private MemberViews() {}

  /** The {@code MemberList} schema: this node's id, whether it joined, every member it knows. */
  static JsonObject memberList(Membership membership) {
    NodeId self = membership.local().id();
    JsonArray members = new JsonArray();
    for (Member m : membership.members()) {
      members.add(member(m, self, membership));
    }
    return new JsonObject()
        .put("self", self.value())
        .put("joined", membership.joined())
        .put("members", members);
  }

  /** The {@code Member} schema; {@code phi} only for a member this node monitors. */
  static JsonObject member(Member m, NodeId self, Membership membership) {
    boolean local = m.id().equals(self);
    OptionalDouble phi = local ? OptionalDouble.empty() : membership.phi(m.id());
    JsonObject json = new JsonObject()
        .put("id", m.id().value())
        .put("status", lower(m.status()))
        .put("incarnation", m.incarnation())
        .put("local", local)
        .put("monitored", phi.isPresent());
    if (phi.isPresent() && !Double.isNaN(phi.getAsDouble())) {
      json.put("phi", cap(phi.getAsDouble()));
    }
    return json.put("metadata", metadata(m.metadata()));
  }

  /** A phi as JSON can carry it: from 0 to {@link #PHI_CAP}, infinity as the cap. */
  static double cap(double phi) {
    return Math.max(0.0, Math.min(PHI_CAP, phi));
  }

  /** The {@code MemberMetadata} schema. */
  static JsonObject metadata(MemberMetadata metadata) {
    return new JsonObject()
        .put("clusterAddress", metadata.clusterAddress().toString())
        .put("apiAddress", metadata.apiAddress())
        .put("zone", metadata.zone())
        .put("roles", new JsonArray(java.util.List.copyOf(metadata.roles())))
        .put("version", metadata.version());
  }

  /** The {@code MemberEvent} schema: kind, member, and the status before (absent when unknown). */
  static JsonObject event(MemberEvent event, NodeId self, Membership membership) {
    JsonObject json = new JsonObject()
        .put("kind", lower(event.kind()))
        .put("member", member(event.member(), self, membership));
    if (event.previous() != null) {
      json.put("previous", lower(event.previous()));
    }
    return json;
  }

  static String lower(Enum<?> value) {
    return value.name().toLowerCase(Locale.ROOT);
  }
}
