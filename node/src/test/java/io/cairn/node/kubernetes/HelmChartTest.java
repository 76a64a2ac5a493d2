package io.cairn.node.kubernetes;

import static io.cairn.node.kubernetes.Chart.FULLNAME;
import static io.cairn.node.kubernetes.Chart.HEADLESS;
import static io.cairn.node.kubernetes.Chart.NAMESPACE;
import static io.cairn.node.kubernetes.Chart.NON_DEFAULT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.marcnuri.helm.LintResult;
import io.cairn.node.config.ConfigKey;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** helm/cairn: lint, render, and what the rendered manifests promise an operator. */
class HelmChartTest {

  @TempDir Path work;

  private static String text(Path p) throws IOException {
    return Files.readString(p);
  }

  // ---- helm lint --strict and helm template, default and non-default ----

  @Test
  void lintStrictPassesWithTheDefaults() {
    LintResult result = Chart.lint();
    assertThat(result.isFailed()).as(String.join("\n", result.getMessages())).isFalse();
  }

  @Test
  void lintStrictPassesWithFiveMembersTlsServiceMonitorAndNetworkPolicy() {
    LintResult result = Chart.lint(work, NON_DEFAULT);
    assertThat(result.isFailed()).as(String.join("\n", result.getMessages())).isFalse();
  }

  @Test
  void theDefaultsRenderTheCoreObjectsAndNoOptionalOnes() {
    Chart.Rendered r = Chart.template();
    assertThat(r.statefulSet().at("/spec/replicas").asInt()).isEqualTo(3);
    r.one("Service", FULLNAME);
    r.one("Service", HEADLESS);
    r.one("PodDisruptionBudget", FULLNAME);
    r.one("ServiceAccount", FULLNAME);
    assertThat(r.all("NetworkPolicy")).isEmpty();
    assertThat(r.all("ServiceMonitor")).isEmpty();
    assertThat(r.all("ClusterRole")).isEmpty();
    assertThat(r.podSpec().has("initContainers")).isFalse();
  }

  @Test
  void theNonDefaultSetRendersFiveMembersTlsServiceMonitorAndNetworkPolicy() {
    Chart.Rendered r = Chart.template(NON_DEFAULT);
    assertThat(r.statefulSet().at("/spec/replicas").asInt()).isEqualTo(5);

    JsonNode tlsVolume = volume(r, "tls");
    assertThat(tlsVolume.at("/secret/secretName").asText()).isEqualTo("cairn-tls");
    assertThat(mount(r.node(), "tls").path("mountPath").asText()).isEqualTo("/etc/cairn/tls");
    assertThat(mount(r.node(), "tls").path("readOnly").asBoolean()).isTrue();

    JsonNode monitor = r.one("ServiceMonitor", FULLNAME);
    JsonNode endpoint = monitor.at("/spec/endpoints/0");
    assertThat(endpoint.path("path").asText()).isEqualTo("/metrics");
    assertThat(endpoint.path("port").asText()).isEqualTo("http");
    // Selects the client Service only, not the headless one too (each member scraped once).
    JsonNode selector = monitor.at("/spec/selector/matchLabels");
    assertThat(matches(selector, r.one("Service", FULLNAME).at("/metadata/labels"))).isTrue();
    assertThat(matches(selector, r.one("Service", HEADLESS).at("/metadata/labels"))).isFalse();

    JsonNode policy = r.one("NetworkPolicy", FULLNAME).path("spec");
    assertThat(policy.at("/podSelector/matchLabels")).isEqualTo(r.statefulSet().at("/spec/selector/matchLabels"));
    JsonNode peers = policy.at("/ingress/0");
    assertThat(peers.at("/from/0/podSelector/matchLabels")).isEqualTo(r.statefulSet().at("/spec/selector/matchLabels"));
    List<String> peerPorts = new ArrayList<>();
    peers.path("ports").forEach(p -> peerPorts.add(p.path("port").asText() + "/" + p.path("protocol").asText()));
    assertThat(peerPorts).containsExactlyInAnyOrder("cluster/TCP", "http/TCP");
    // Every named port in the policy is one the node container declares.
    List<String> declared = new ArrayList<>();
    r.node().path("ports").forEach(p -> declared.add(p.path("name").asText()));
    policy.findValues("port").forEach(p -> assertThat(declared).contains(p.asText()));
  }

  private static boolean matches(JsonNode selector, JsonNode labels) {
    for (var it = selector.fields(); it.hasNext(); ) {
      var e = it.next();
      if (!labels.path(e.getKey()).asText().equals(e.getValue().asText())) {
        return false;
      }
    }
    return true;
  }

  // ---- ports, probes, env: what the node really serves and reads ----

  @Test
  void portsAreTheNodesAndEveryServiceTargetsADeclaredPort() {
    Chart.Rendered r = Chart.template();
    assertThat(ConfigKey.named("http.port").orElseThrow().defaultText()).isEqualTo("7070");
    assertThat(r.envValue("CAIRN_HTTP_PORT")).isEqualTo("7070");
    assertThat(r.envValue("CAIRN_CLUSTER_PORT")).isEqualTo("7071"); // DESIGN.md: cluster transport 7071
    Map<String, Integer> declared = new java.util.HashMap<>();
    r.node().path("ports").forEach(p -> declared.put(p.path("name").asText(), p.path("containerPort").asInt()));
    assertThat(declared).containsEntry("http", 7070).containsEntry("cluster", 7071).doesNotContainKey("cluster-udp");
    for (JsonNode service : r.all("Service")) {
      for (JsonNode port : service.at("/spec/ports")) {
        assertThat(declared).containsKey(port.path("targetPort").asText());
        assertThat(port.path("port").asInt()).isEqualTo(declared.get(port.path("targetPort").asText()));
      }
    }
    assertThat(r.one("Service", FULLNAME).at("/spec/ports/0/port").asInt()).isEqualTo(7070);
  }

  @Test
  void anotherHttpPortMovesContainerPortEnvAndService() {
    Chart.Rendered r = Chart.template(Map.of("config.http.port", 8080));
    assertThat(r.envValue("CAIRN_HTTP_PORT")).isEqualTo("8080");
    assertThat(r.node().at("/ports/0/containerPort").asInt()).isEqualTo(8080);
    assertThat(r.one("Service", FULLNAME).at("/spec/ports/0/port").asInt()).isEqualTo(8080);
  }

  @Test
  void probesUseTheHealthEndpointsOnTheHttpPort() {
    JsonNode node = Chart.template().node();
    assertThat(node.at("/startupProbe/httpGet/path").asText()).isEqualTo("/health/live");
    assertThat(node.at("/livenessProbe/httpGet/path").asText()).isEqualTo("/health/live");
    assertThat(node.at("/readinessProbe/httpGet/path").asText()).isEqualTo("/health/ready");
    for (String probe : List.of("startupProbe", "livenessProbe", "readinessProbe")) {
      assertThat(node.at("/" + probe + "/httpGet/port").asText()).isEqualTo("http");
    }
  }

  @Test
  void nodeIdIsThePodNameFromTheDownwardApi() {
    Chart.Rendered r = Chart.template();
    assertThat(r.env().get("CAIRN_NODE_ID").at("/valueFrom/fieldRef/fieldPath").asText()).isEqualTo("metadata.name");
    assertThat(r.env().get("CAIRN_NODE_ID").has("value")).isFalse();
    assertThat(r.statefulSet().at("/spec/serviceName").asText()).isEqualTo(HEADLESS);
  }

  @Test
  void membersListenOnEveryInterfaceAndAdvertiseTheirStableDnsName() {
    Chart.Rendered r = Chart.template();
    assertThat(r.envValue("CAIRN_HTTP_HOST")).isEqualTo("0.0.0.0");
    assertThat(r.envValue("CAIRN_CLUSTER_HOST")).isEqualTo("0.0.0.0");
    assertThat(r.envValue("CAIRN_CLUSTER_ADVERTISE"))
        .isEqualTo("$(POD_NAME)." + HEADLESS + ".$(POD_NAMESPACE).svc.cluster.local:7071");
    assertThat(r.envValue("CAIRN_CLUSTER_DNS")).isEqualTo(HEADLESS + "." + NAMESPACE + ".svc.cluster.local:7071");
    assertThat(r.env()).doesNotContainKey("CAIRN_CLUSTER_SEEDS"); // empty: not rendered, DNS finds the peers
    // $(VAR) expands only variables defined earlier in the list.
    List<String> names = new ArrayList<>(r.env().keySet());
    assertThat(names.indexOf("POD_NAME")).isLessThan(names.indexOf("CAIRN_CLUSTER_ADVERTISE"));
    assertThat(names.indexOf("POD_NAMESPACE")).isLessThan(names.indexOf("CAIRN_CLUSTER_ADVERTISE"));
    assertThat(r.env().get("POD_NAME").at("/valueFrom/fieldRef/fieldPath").asText()).isEqualTo("metadata.name");
    assertThat(r.env().get("POD_NAMESPACE").at("/valueFrom/fieldRef/fieldPath").asText()).isEqualTo("metadata.namespace");
  }

  @Test
  void theHeadlessServicePublishesMembersBeforeTheyAreReady() {
    JsonNode headless = Chart.template().one("Service", HEADLESS).path("spec");
    assertThat(headless.path("clusterIP").asText()).isEqualTo("None");
    assertThat(headless.path("publishNotReadyAddresses").asBoolean()).isTrue();
    JsonNode client = Chart.template().one("Service", FULLNAME).path("spec");
    assertThat(client.path("publishNotReadyAddresses").asBoolean(false)).isFalse();
  }

  @Test
  void theDataDirIsTheVolumeClaimedPerMember() {
    Chart.Rendered r = Chart.template();
    String dataDir = r.envValue("CAIRN_DATA_DIR");
    assertThat(mount(r.node(), "data").path("mountPath").asText()).isEqualTo(dataDir);
    JsonNode claim = r.statefulSet().at("/spec/volumeClaimTemplates/0");
    assertThat(claim.at("/metadata/name").asText()).isEqualTo("data");
    assertThat(claim.at("/spec/resources/requests/storage").asText()).isEqualTo("1Gi");
    assertThat(r.podSpec().path("volumes").findValues("name").stream().map(JsonNode::asText)).doesNotContain("data");

    Chart.Rendered moved = Chart.template(Map.of("persistence.mountPath", "/data/cairn"));
    assertThat(moved.envValue("CAIRN_DATA_DIR")).isEqualTo("/data/cairn");
    assertThat(mount(moved.node(), "data").path("mountPath").asText()).isEqualTo("/data/cairn");

    Chart.Rendered ephemeral = Chart.template(Map.of("persistence.enabled", false));
    assertThat(ephemeral.statefulSet().at("/spec/volumeClaimTemplates").isMissingNode()).isTrue();
    assertThat(volume(ephemeral, "data").has("emptyDir")).isTrue();
  }

  // ---- disruption, placement, shutdown ----

  @ParameterizedTest
  @ValueSource(ints = {3, 5, 7, 9})
  void theDisruptionBudgetKeepsAMajority(int replicas) {
    Chart.Rendered r = Chart.template(Map.of("replicaCount", replicas));
    JsonNode pdb = r.one("PodDisruptionBudget", FULLNAME).path("spec");
    int maxUnavailable = pdb.path("maxUnavailable").asInt();
    assertThat(maxUnavailable).isPositive(); // a drain can proceed
    assertThat(replicas - maxUnavailable).isGreaterThanOrEqualTo(replicas / 2 + 1);
    assertThat(pdb.at("/selector/matchLabels")).isEqualTo(r.statefulSet().at("/spec/selector/matchLabels"));
  }

  @Test
  void theFirstPodsFormTheCoordinationGroup() {
    Chart.Rendered three = Chart.template();
    assertThat(three.envValue("CAIRN_CP_VOTERS")).isEqualTo("3");
    assertThat(three.envValue("CAIRN_CP_INITIAL_VOTERS")).isEqualTo(FULLNAME + "-0," + FULLNAME + "-1," + FULLNAME + "-2");
    Chart.Rendered one = Chart.template(Map.of("replicaCount", 1));
    assertThat(one.envValue("CAIRN_CP_VOTERS")).isEqualTo("1");
    assertThat(one.envValue("CAIRN_CP_INITIAL_VOTERS")).isEqualTo(FULLNAME + "-0");
    Chart.Rendered five = Chart.template(Map.of("replicaCount", 5, "config.cp.voters", 5));
    assertThat(five.envValue("CAIRN_CP_VOTERS")).isEqualTo("5");
    assertThat(five.envValue("CAIRN_CP_INITIAL_VOTERS")).endsWith(FULLNAME + "-4");
    Chart.Rendered named = Chart.template(Map.of("replicaCount", 5, "config.cp.initial-voters", "a,b,c"));
    assertThat(named.envValue("CAIRN_CP_INITIAL_VOTERS")).isEqualTo("a,b,c");
    assertThat(named.env().keySet().stream().filter(k -> k.equals("CAIRN_CP_INITIAL_VOTERS"))).hasSize(1);
  }

  @Test
  void moreVotersThanMembersIsRefused() {
    assertThatThrownBy(() -> Chart.template(Map.of("replicaCount", 3, "config.cp.voters", 5)))
        .hasMessageContaining("config.cp.voters 5 is more than replicaCount 3");
    assertThatThrownBy(() -> Chart.template(Map.of("config.cp.voters", 2)))
        .hasMessageContaining("values don't meet the specifications of the schema");
  }

  @Test
  void aBudgetThatCouldBreakTheMajorityIsRefused() {
    assertThatThrownBy(() -> Chart.template(Map.of("replicaCount", 3, "podDisruptionBudget.maxUnavailable", 2)))
        .hasMessageContaining("podDisruptionBudget.maxUnavailable 2")
        .hasMessageContaining("majority (2) of replicaCount 3");
    // Five members may lose two to evictions and keep three.
    assertThat(Chart.template(Map.of("replicaCount", 5, "podDisruptionBudget.maxUnavailable", 2))
        .one("PodDisruptionBudget", FULLNAME).at("/spec/maxUnavailable").asInt()).isEqualTo(2);
  }

  @Test
  void oneMemberHasNoBudgetThatWouldBlockDrains() {
    assertThat(Chart.template(Map.of("replicaCount", 1)).all("PodDisruptionBudget")).isEmpty();
  }

  @Test
  void membersSpreadOverHostsAndZones() {
    Chart.Rendered r = Chart.template();
    JsonNode selector = r.statefulSet().at("/spec/selector/matchLabels");
    JsonNode anti = r.podSpec().at("/affinity/podAntiAffinity/preferredDuringSchedulingIgnoredDuringExecution/0/podAffinityTerm");
    assertThat(anti.path("topologyKey").asText()).isEqualTo("kubernetes.io/hostname");
    assertThat(anti.at("/labelSelector/matchLabels")).isEqualTo(selector);
    JsonNode spread = r.podSpec().at("/topologySpreadConstraints/0");
    assertThat(spread.path("topologyKey").asText()).isEqualTo("topology.kubernetes.io/zone");
    assertThat(spread.path("maxSkew").asInt()).isEqualTo(1);
    assertThat(spread.at("/labelSelector/matchLabels")).isEqualTo(selector);

    JsonNode hard = Chart.template(Map.of("podAntiAffinityPreset", "hard")).podSpec()
        .at("/affinity/podAntiAffinity/requiredDuringSchedulingIgnoredDuringExecution/0");
    assertThat(hard.path("topologyKey").asText()).isEqualTo("kubernetes.io/hostname");
  }

  @Test
  void shutdownDrainsEndpointsThenLeavesWithinTheGracePeriod() {
    Chart.Rendered r = Chart.template();
    JsonNode preStop = r.node().at("/lifecycle/preStop/exec/command");
    assertThat(preStop.get(0).asText()).isEqualTo("sleep");
    int sleep = preStop.get(1).asInt();
    assertThat(sleep).isPositive();
    // preStop sleep + shutdown.grace (10s) + the node's own close bound (15s, README "Stopping").
    assertThat(r.envValue("CAIRN_SHUTDOWN_GRACE")).isEqualTo("10s");
    assertThat(r.podSpec().path("terminationGracePeriodSeconds").asInt()).isGreaterThanOrEqualTo(sleep + 10 + 15);
  }

  @Test
  void theZoneIsAValueOrTheNodeLabelThroughAnInitStep() {
    assertThat(Chart.template().env()).doesNotContainKey("CAIRN_NODE_ZONE"); // unknown: not rendered empty
    assertThat(Chart.template(Map.of("zone.value", "eu-west-1a")).envValue("CAIRN_NODE_ZONE")).isEqualTo("eu-west-1a");

    Chart.Rendered r = Chart.template(Map.of("zone.fromNodeLabel.enabled", true));
    JsonNode init = r.podSpec().at("/initContainers/0");
    assertThat(init.path("name").asText()).isEqualTo("zone");
    assertThat(init.at("/command/2").asText())
        .isEqualTo("kubectl get node \"$NODE_NAME\" -o go-template=\"$ZONE_TEMPLATE\" > /var/run/cairn-zone/zone");
    Map<String, String> initEnv = new java.util.HashMap<>();
    init.path("env").forEach(e -> initEnv.put(e.path("name").asText(), e.path("value").asText()));
    assertThat(initEnv).containsEntry("ZONE_TEMPLATE", "{{with index .metadata.labels \"topology.kubernetes.io/zone\"}}{{.}}{{end}}");
    assertThat(init.at("/env/0/valueFrom/fieldRef/fieldPath").asText()).isEqualTo("spec.nodeName");
    assertThat(mount(r.node(), "zone").path("mountPath").asText()).isEqualTo("/var/run/cairn-zone"); // the entrypoint's default ZONE_FILE dir
    assertThat(mount(r.node(), "zone").path("readOnly").asBoolean()).isTrue();
    assertThat(mount(init, "kube-api-access").path("mountPath").asText()).isEqualTo("/var/run/secrets/kubernetes.io/serviceaccount");
    assertThat(r.node().path("volumeMounts").findValues("name").stream().map(JsonNode::asText)).doesNotContain("kube-api-access");
    assertThat(r.podSpec().path("automountServiceAccountToken").asBoolean(true)).isFalse();
    JsonNode role = r.all("ClusterRole").get(0);
    assertThat(role.at("/rules/0/resources/0").asText()).isEqualTo("nodes");
    assertThat(role.at("/rules/0/verbs").toString()).isEqualTo("[\"get\"]");
    JsonNode binding = r.all("ClusterRoleBinding").get(0);
    assertThat(binding.at("/subjects/0/name").asText()).isEqualTo(r.podSpec().path("serviceAccountName").asText());
  }

  // ---- security and resources ----

  @Test
  void everyContainerHasResourcesAndARestrictiveSecurityContext() throws IOException {
    for (Chart.Rendered r : List.of(Chart.template(), Chart.template(Map.of("zone.fromNodeLabel.enabled", true)))) {
      assertThat(r.containers()).isNotEmpty();
      for (JsonNode c : r.containers()) {
        String name = c.path("name").asText();
        assertThat(c.at("/resources/requests/cpu").isMissingNode()).as(name).isFalse();
        assertThat(c.at("/resources/requests/memory").isMissingNode()).as(name).isFalse();
        assertThat(c.at("/resources/limits/memory").isMissingNode()).as(name).isFalse();
        JsonNode sc = c.path("securityContext");
        assertThat(sc.path("runAsNonRoot").asBoolean()).as(name).isTrue();
        assertThat(sc.path("readOnlyRootFilesystem").asBoolean()).as(name).isTrue();
        assertThat(sc.path("allowPrivilegeEscalation").asBoolean(true)).as(name).isFalse();
        assertThat(sc.at("/capabilities/drop").toString()).as(name).isEqualTo("[\"ALL\"]");
        assertThat(sc.at("/seccompProfile/type").asText()).as(name).isEqualTo("RuntimeDefault");
        assertThat(mount(c, "tmp").path("mountPath").asText()).as(name).isEqualTo("/tmp");
      }
      assertThat(volume(r, "tmp").has("emptyDir")).isTrue();
      JsonNode pod = r.podSpec().path("securityContext");
      assertThat(pod.path("runAsNonRoot").asBoolean()).isTrue();
      assertThat(pod.at("/seccompProfile/type").asText()).isEqualTo("RuntimeDefault");
    }
    // The chart's user is the image's.
    Chart.Rendered r = Chart.template();
    String dockerfile = text(Chart.ROOT.resolve("Dockerfile"));
    Matcher user = Pattern.compile("(?m)^USER (\\d+):(\\d+)$").matcher(dockerfile);
    assertThat(user.find()).as("USER uid:gid in the Dockerfile").isTrue();
    assertThat(r.podSpec().at("/securityContext/runAsUser").asText()).isEqualTo(user.group(1));
    assertThat(r.podSpec().at("/securityContext/runAsGroup").asText()).isEqualTo(user.group(2));
    assertThat(r.podSpec().at("/securityContext/fsGroup").asText()).isEqualTo(user.group(2));
  }

  @Test
  void theHeapIsSizedFromTheContainerLimit() {
    Chart.Rendered r = Chart.template();
    assertThat(r.envValue("JAVA_OPTS")).contains("-XX:MaxRAMPercentage=75").contains("-XX:+ExitOnOutOfMemoryError");
    assertThat(r.node().at("/resources/limits/memory").asText()).isEqualTo("512Mi");
    assertThat(r.node().at("/resources/requests/memory").asText()).isEqualTo("512Mi");
    assertThat(Chart.template(Map.of("jvm.maxRamPercentage", 60, "jvm.extraOpts", "-Xss512k")).envValue("JAVA_OPTS"))
        .isEqualTo("-XX:MaxRAMPercentage=60 -XX:+ExitOnOutOfMemoryError -Xss512k");
  }

  @Test
  void everyObjectCarriesTheStandardLabels() {
    for (Map<String, Object> set : List.<Map<String, Object>>of(Map.of(), NON_DEFAULT, Map.of("zone.fromNodeLabel.enabled", true))) {
      for (JsonNode doc : Chart.template(set).docs()) {
        JsonNode labels = doc.at("/metadata/labels");
        String what = doc.path("kind").asText() + " " + doc.at("/metadata/name").asText();
        assertThat(labels.path("app.kubernetes.io/name").asText()).as(what).isEqualTo("cairn");
        assertThat(labels.path("app.kubernetes.io/instance").asText()).as(what).isEqualTo(Chart.RELEASE);
        assertThat(labels.path("app.kubernetes.io/version").asText()).as(what).isNotEmpty();
        assertThat(labels.path("app.kubernetes.io/managed-by").asText()).as(what).isEqualTo("Helm");
        assertThat(labels.path("helm.sh/chart").asText()).as(what).isEqualTo("cairn-0.1.0");
      }
    }
  }

  // ---- values.schema.json ----

  @ParameterizedTest
  @ValueSource(ints = {-1, 0})
  void theSchemaRejectsFewerThanOneMember(int replicas) {
    assertThatThrownBy(() -> Chart.template(Map.of("replicaCount", replicas)))
        .hasMessageContaining("values don't meet the specifications of the schema")
        .hasMessageContaining("replicaCount");
  }

  @ParameterizedTest
  @ValueSource(ints = {2, 4, 6})
  void theSchemaRejectsAnEvenNumberOfMembers(int replicas) {
    assertThatThrownBy(() -> Chart.template(Map.of("replicaCount", replicas)))
        .hasMessageContaining("values don't meet the specifications of the schema")
        .hasMessageContaining("replicaCount");
  }

  @Test
  void theSchemaRejectsMalformedPorts() {
    for (Map<String, Object> bad : List.<Map<String, Object>>of(
        Map.of("config.http.port", "70x0"), Map.of("config.http.port", 70000),
        Map.of("config.http.port", 0), Map.of("config.cluster.port", -1))) {
      assertThatThrownBy(() -> Chart.template(bad)).as("%s", bad)
          .hasMessageContaining("values don't meet the specifications of the schema")
          .hasMessageContaining("port");
    }
  }

  @Test
  void lintFailsOnTheSchemaToo() {
    for (Map<String, Object> bad : List.<Map<String, Object>>of(
        Map.of("replicaCount", -1), Map.of("replicaCount", 4), Map.of("config.http.port", "70x0"))) {
      LintResult result = Chart.lint(work.resolve(String.valueOf(bad.hashCode() & 0xffff)), bad);
      assertThat(result.isFailed()).as("%s", bad).isTrue();
      assertThat(String.join("\n", result.getMessages())).as("%s", bad).contains("schema");
    }
  }

  @Test
  void theSchemaRejectsOtherMistakes() {
    for (Map<String, Object> bad : List.<Map<String, Object>>of(
        Map.of("tls.enabled", true),                          // no secretName
        Map.of("config.log.level", "LOUD"),
        Map.of("config.data.dir", "/elsewhere"),              // the chart sets data.dir
        Map.of("config.node.id", "fixed"),                    // ... and node.id
        Map.of("config.http.prot", 7070),                     // a typo
        Map.of("config.shutdown.grace", "ten seconds"),
        Map.of("config.membership.probe-interval", "fast"),
        Map.of("config.membership.phi-threshold", "-1"),
        Map.of("config.membership.monitored-peers", 0),
        Map.of("config.membership.gosip-fanout", 3),            // a typo
        Map.of("config.cp.initial-voters", "a, b"),
        Map.of("config.cp.raft.election-timeout-min", "soon"),
        Map.of("config.cp.raft.max-inflight", 0),
        Map.<String, Object>of("extraEnv[0].name", "CAIRN_HTTP_PORT", "extraEnv[0].value", "1"))) {
      assertThatThrownBy(() -> Chart.template(bad)).as("%s", bad)
          .hasMessageContaining("values don't meet the specifications of the schema");
    }
  }

  // ---- NOTES.txt, README ----

  @Test
  void theNotesSayHowToReachTheApi() throws IOException {
    String notes = text(Chart.DIR.resolve("templates/NOTES.txt"));
    assertThat(notes).contains("kubectl -n {{ .Release.Namespace }} port-forward svc/{{ include \"cairn.fullname\" . }}");
    assertThat(notes).contains("curl http://127.0.0.1:{{ .Values.config.http.port }}/v1/cluster/members");
  }

  @Test
  void theReadmeSaysHowToInstallCheckScaleUpgradeAndUninstall() throws IOException {
    String readme = text(Chart.ROOT.resolve("README.md"));
    assertThat(readme).contains("## Install on Kubernetes")
        .contains("docker build -t cairn:dev .")
        .contains("helm install cairn ./helm/cairn")
        .contains("curl http://127.0.0.1:7070/v1/cluster/members")
        .contains("--set replicaCount=5")
        .contains("helm uninstall cairn")
        .contains("publishNotReadyAddresses");
  }

  private static JsonNode mount(JsonNode container, String name) {
    for (JsonNode m : container.path("volumeMounts")) {
      if (m.path("name").asText().equals(name)) {
        return m;
      }
    }
    throw new AssertionError("no volume mount " + name + " in " + container.path("name").asText());
  }

  private static JsonNode volume(Chart.Rendered r, String name) {
    for (JsonNode v : r.podSpec().path("volumes")) {
      if (v.path("name").asText().equals(name)) {
        return v;
      }
    }
    throw new AssertionError("no volume " + name);
  }
}
