# spotstream on Debian 12: built with the project's own setup script (Debian packages only), run as
# a non-root user with only the runtime libraries (tests/integration/test_deployment.py checks that
# every shared library the binary links is installed here).
FROM debian:12 AS build
WORKDIR /src
COPY . .
RUN scripts/setup.sh && cmake -S . -B build -DCMAKE_BUILD_TYPE=Release && cmake --build build -j"$(nproc)" --target spotstream

FROM debian:12
RUN apt-get update -qq && apt-get install -y -qq --no-install-recommends \
      librdkafka1 librdkafka++1 libpq5 libsimdjson14 libspdlog1.10 libfmt9 libyaml-cpp0.7 libxgboost0 \
      libjemalloc2 libcpp-httplib0.11 libprometheus-cpp-core1.0 libmosquitto1 ca-certificates curl kcat \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --home-dir /var/lib/spotstream --create-home spotstream
COPY --from=build /src/build/spotstream /usr/local/bin/spotstream
COPY config /etc/spotstream
USER spotstream
WORKDIR /var/lib/spotstream
# The admin API (evaluate, /health, /ready, /metrics) must be reachable from outside the container.
ENV SPOTSTREAM_REST_ADDRESS=0.0.0.0
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD curl -fsS http://127.0.0.1:8000/health || exit 1
ENTRYPOINT ["spotstream"]
CMD ["run", "--config", "/etc/spotstream/spotstream.yaml"]
