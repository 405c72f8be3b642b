# The operator image: `docker build -t ghcr.io/openrtc/openrtc-operator:0.1.0 .`
# (the same image without a Docker daemon: `mvn -Pjib -DskipTests package jib:build`, see pom.xml).

# Build stage: the shaded jar, as in the README's first command.
FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
COPY pom.xml .
COPY src src
# The demo's quickstart is packed into the jar (a resource in pom.xml).
COPY examples/quickstart.yaml examples/quickstart.yaml
# The cache mount keeps ~/.m2 between builds (BuildKit, the default builder).
RUN --mount=type=cache,target=/root/.m2 mvn -B -ntp -DskipTests package

# Run stage: a JRE and the jar, nothing else.
FROM eclipse-temurin:17-jre
COPY --from=build /src/target/openrtc-operator.jar /app/openrtc-operator.jar
# A numeric non-root user (no entry in /etc/passwd is needed), so the pod's runAsNonRoot
# check can verify it; matches runAsUser in manifests/base/deployment.yaml.
USER 65532:65532
# /healthz, /readyz, /metrics, /.well-known/jwks.json, /livekit/webhook
EXPOSE 8080
# The heap follows the container's memory limit; an OutOfMemoryError ends the process (and
# Kubernetes restarts it) instead of leaving a half-working operator.
ENTRYPOINT ["java", "-XX:MaxRAMPercentage=75", "-XX:+ExitOnOutOfMemoryError", "-jar", "/app/openrtc-operator.jar"]
CMD ["run"]
