import tailwindcss from "@tailwindcss/vite";
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

// The HOM server (npm start at the repository root) listens on 8080 by default.
const api = "http://127.0.0.1:8080";

export default defineConfig({
  plugins: [react(), tailwindcss()],
  build: {
    outDir: "dist",
    emptyOutDir: true,
    // The server's CSP allows no inline scripts: never inline the module preload polyfill.
    modulePreload: { polyfill: false },
  },
  server: {
    host: "127.0.0.1",
    proxy: {
      "/graphql": { target: api, changeOrigin: false },
      "/api": { target: api, changeOrigin: false },
    },
  },
  preview: { host: "127.0.0.1" },
});
