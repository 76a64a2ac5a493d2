package io.cairn.membership;

import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * What a member tells the group about itself; it travels with every ALIVE update. A member
 * changes it only by announcing a higher incarnation.
 *
 * @param clusterAddress where its cluster transport listens
 * @param apiAddress the base URL of its HTTP API, for example {@code http://10.0.0.7:7070}
 * @param zone the failure domain it runs in (empty when unknown)
 * @param roles what it does, for example {@code voter}; sorted, each 1 to 63 characters
 * @param version the Cairn version it runs
 */
public record MemberMetadata(
    Address clusterAddress, String apiAddress, String zone, Set<String> roles, String version) {
  public MemberMetadata {
    Objects.requireNonNull(clusterAddress, "clusterAddress");
    apiAddress = apiAddress == null ? "" : apiAddress;
    zone = zone == null ? "" : zone;
    version = version == null ? "" : version;
    roles = roles == null ? Set.of() : java.util.Collections.unmodifiableSet(new TreeSet<>(roles));
  }

  /** Metadata with only a cluster address, for tests and simulations. */
  public static MemberMetadata of(Address clusterAddress) {
    return new MemberMetadata(clusterAddress, "", "", Set.of(), "");
  }
}
