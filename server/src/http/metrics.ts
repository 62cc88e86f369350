import type { FastifyInstance } from "fastify";
import { Counter, Histogram, Registry, collectDefaultMetrics } from "prom-client";

/**
 * One registry per app, so several apps in one test process do not collide. `/metrics` also
 * shows `runtime` (the runtime's registry: machine feeds and other work outside HTTP).
 */
export function registerMetrics(app: FastifyInstance, runtime?: Registry): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "hom_" });
  const requests = new Counter({
    name: "hom_http_requests_total",
    help: "HTTP requests by method, route and status code",
    labelNames: ["method", "route", "status_code"],
    registers: [registry],
  });
  const duration = new Histogram({
    name: "hom_http_request_duration_seconds",
    help: "HTTP request latency by method and route",
    labelNames: ["method", "route"],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });

  app.addHook("onResponse", async (request, reply) => {
    // The route pattern, never the raw URL: ids in paths would explode the label set.
    const route = request.routeOptions.url ?? "unmatched";
    requests.inc({ method: request.method, route, status_code: String(reply.statusCode) });
    duration.observe({ method: request.method, route }, reply.elapsedTime / 1000);
  });

  app.get("/metrics", { schema: { hide: true } }, async (_request, reply) => {
    reply.header("content-type", registry.contentType);
    return runtime ? `${await registry.metrics()}\n${await runtime.metrics()}` : registry.metrics();
  });
  return registry;
}
