import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import fastifyStatic from "@fastify/static";
import type { FastifyInstance } from "fastify";
import { notFound } from "../errors.ts";
import { sendError } from "./errors.ts";

const API_PREFIXES = ["/api/", "/graphql", "/graphiql", "/metrics", "/healthz", "/readyz"];

/**
 * Serves the built web app (web/dist) at `/`. Unknown GET paths outside the API get
 * index.html so client-side routes survive a reload; unknown API paths get a JSON 404.
 */
export async function registerWeb(app: FastifyInstance, webDir: string): Promise<void> {
  const indexFile = path.join(webDir, "index.html");
  const built = existsSync(indexFile);
  if (built) {
    await app.register(fastifyStatic, {
      root: webDir,
      wildcard: false,
      index: false,
      setHeaders(reply, filePath) {
        // Vite puts a content hash in every asset name: they never change.
        if (filePath.includes(`${path.sep}assets${path.sep}`))
          reply.header("cache-control", "public, max-age=31536000, immutable");
      },
    });
  }
  // Read once: like the static file list, a rebuilt web app is picked up on restart.
  const indexHtml = built
    ? readFileSync(indexFile, "utf8")
    : "<!doctype html><title>HOM</title><p>The web app is not built. Run <code>npm run build</code> and restart HOM.</p>";

  app.setNotFoundHandler((request, reply) => {
    const url = request.url.split("?")[0];
    const isPage = request.method === "GET" || request.method === "HEAD";
    const isApi = API_PREFIXES.some((p) => url === p.replace(/\/$/, "") || url.startsWith(p));
    // A missing file (an old tab asking for last release's bundle) must be a 404, not the page.
    const isFile = url.startsWith("/assets/") || /\.[a-z0-9]+$/i.test(url);
    if (!isPage || isApi || isFile) {
      return sendError(reply, notFound(`Route ${request.method} ${url}`));
    }
    return reply.type("text/html; charset=utf-8").header("cache-control", "no-cache").send(indexHtml);
  });
}
