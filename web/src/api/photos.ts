/**
 * Photos (docs/photos.md). Uploads are multipart REST with progress (XMLHttpRequest: fetch has
 * no upload progress); images need the bearer token, so they are fetched as blobs and shown
 * through object URLs that the caller revokes.
 */
import { GraphQLRequestError, type GraphQLErrorEntry } from "./graphql";
import { PHOTO_FIELDS, type Photo } from "./failures";
import { currentAccessToken, request } from "./session";

export type PhotoEntity = "repair" | "failure_report" | "maintenance_log" | "action" | "tool" | "machine" | "downtime";
/** `annotated-thumbnail`: the thumbnail with the drawing on it, for galleries. */
export type PhotoVariant = "thumbnail" | "display" | "annotated" | "annotated-thumbnail" | "original";

/** Where a variant is served; a drawing's URL carries its version, so no cache shows an old one. */
function imagePath(id: string, variant: PhotoVariant, version: number): string {
  const base = `/api/v1/photos/${encodeURIComponent(id)}`;
  if (variant === "annotated") return `${base}/annotated?v=${version}`;
  if (variant === "annotated-thumbnail") return `${base}/annotated?size=thumb&v=${version}`;
  return `${base}/${variant}`;
}

export async function fetchPhotos(entityType: PhotoEntity, entityId: string): Promise<Photo[]> {
  const data = await request<{ photos: { edges: { node: Photo }[] } }>(
    `query Photos($t: PhotoEntityType!, $id: ID!) { photos(entityType: $t, entityId: $id, first: 100) { edges { node { ${PHOTO_FIELDS} } } } }`,
    { t: entityType, id: entityId },
  );
  return data.photos.edges.map((e) => e.node);
}

/** The image bytes as a blob (the caller makes and revokes the object URL). */
export async function fetchPhotoBlob(id: string, variant: PhotoVariant, version = 0): Promise<Blob> {
  const send = async (token: string | null) =>
    fetch(imagePath(id, variant, version), {
      headers: token ? { authorization: `Bearer ${token}` } : {},
      credentials: "same-origin",
    });
  let response = await send(await currentAccessToken());
  if (response.status === 401) response = await send(await currentAccessToken(true));
  if (!response.ok) throw new GraphQLRequestError("HTTP_ERROR", `HTTP ${response.status}`, response.status);
  return response.blob();
}

const CODE_BY_STATUS: Record<number, string> = { 401: "UNAUTHENTICATED", 403: "FORBIDDEN", 404: "NOT_FOUND" };

/** Uploads one image; `onProgress` gets 0…1. Refusals (415, 413, 422) come back with their field details. */
export async function uploadPhoto(
  entityType: PhotoEntity,
  entityId: string,
  file: File,
  onProgress: (fraction: number) => void,
  caption?: string,
): Promise<Photo> {
  const form = new FormData();
  form.append("entity_type", entityType);
  form.append("entity_id", entityId);
  if (caption) form.append("caption", caption);
  form.append("file", file);
  const attempt = (token: string | null) =>
    new Promise<{ status: number; body: unknown }>((resolve, reject) => {
      const xhr = new XMLHttpRequest();
      xhr.open("POST", "/api/v1/photos");
      if (token) xhr.setRequestHeader("authorization", `Bearer ${token}`);
      xhr.upload.onprogress = (e) => e.lengthComputable && onProgress(e.loaded / e.total);
      xhr.onload = () => {
        let body: unknown = null;
        try {
          body = JSON.parse(xhr.responseText);
        } catch {
          // not JSON: handled by status below
        }
        resolve({ status: xhr.status, body });
      };
      xhr.onerror = () => reject(new GraphQLRequestError("NETWORK", "Network error"));
      xhr.send(form);
    });
  let result = await attempt(await currentAccessToken());
  if (result.status === 401) result = await attempt(await currentAccessToken(true));
  if (result.status === 201) {
    onProgress(1);
    const p = result.body as Record<string, unknown>;
    return {
      id: String(p.id),
      caption: (p.caption as string | null) ?? null,
      width: Number(p.width),
      height: Number(p.height),
      displayWidth: Number(p.display_width),
      displayHeight: Number(p.display_height),
      createdAt: String(p.created_at),
      createdBy: String(p.created_by),
      annotations: (p.annotations as unknown[]) ?? [],
      annotationsVersion: Number(p.annotations_version ?? 0),
    };
  }
  type Details = NonNullable<GraphQLErrorEntry["extensions"]>["details"];
  const error = (result.body as { error?: { message?: string; details?: Details } } | null)?.error;
  const code =
    CODE_BY_STATUS[result.status] ?? (result.status >= 400 && result.status < 500 ? "BAD_USER_INPUT" : "HTTP_ERROR");
  const message = error?.message ?? `HTTP ${result.status}`;
  throw new GraphQLRequestError(code, message, result.status, [
    { message, extensions: { code, details: error?.details ?? [] } },
  ]);
}

/** Replaces the drawing on a photo (shapes as the server stores them: snake_case). */
export async function saveAnnotations(id: string, shapes: unknown[]): Promise<Photo> {
  const data = await request<{ setPhotoAnnotations: Photo }>(
    `mutation Annotate($id: ID!, $shapes: JSON!) { setPhotoAnnotations(id: $id, shapes: $shapes) { ${PHOTO_FIELDS} } }`,
    { id, shapes },
  );
  return data.setPhotoAnnotations;
}

export async function deletePhoto(id: string): Promise<void> {
  await request(`mutation($id: ID!) { deletePhoto(id: $id) { id } }`, { id });
}
