# spotstream on Debian 12, built with the project's own setup script (Debian packages only).
FROM debian:12 AS build
WORKDIR /src
COPY . .
RUN scripts/setup.sh && cmake -S . -B build -DCMAKE_BUILD_TYPE=Release && cmake --build build -j"$(nproc)" --target spotstream

FROM debian:12
RUN apt-get update -qq && apt-get install -y -qq --no-install-recommends \
      librdkafka++1 librdkafka1 libmosquitto1 libpq5 libsimdjson14 libspdlog1.10 libfmt9 libyaml-cpp0.7 libxgboost0 libjemalloc2 kcat \
    && rm -rf /var/lib/apt/lists/*
COPY --from=build /src/build/spotstream /usr/local/bin/spotstream
COPY config /etc/spotstream
ENTRYPOINT ["spotstream"]
CMD ["run", "--config", "/etc/spotstream/spotstream.yaml"]
