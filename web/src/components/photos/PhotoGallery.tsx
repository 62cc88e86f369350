import { useQuery, useQueryClient } from "@tanstack/react-query";
import { lazy, Suspense, useId, useRef, useState } from "react";
import type { TFunction } from "i18next";
import { useTranslation } from "react-i18next";
import { errorText } from "../../api/errors";
import type { Photo } from "../../api/failures";
import { keys } from "../../api/keys";
import { fetchPhotos, uploadPhoto, type PhotoEntity } from "../../api/photos";
import { Button } from "../Button";
import { Loading } from "../Feedback";
import { QueryState } from "../QueryState";
import { useImageUrl } from "./useImageUrl";

// The drawing tools come only when someone opens them.
const AnnotationEditor = lazy(() => import("./AnnotationEditor"));

interface Props {
  entityType: PhotoEntity;
  entityId: string;
  /** Upload and annotate (photos:write); without it the gallery only shows. */
  canWrite: boolean;
  /** Open the drawing tools right after a photo is taken (failure reports). */
  annotateAfterUpload?: boolean;
}

/** A record's photos: thumbnails, a viewer with the drawing, the camera, and the drawing tools. */
export function PhotoGallery({ entityType, entityId, canWrite, annotateAfterUpload = false }: Props) {
  const { t } = useTranslation();
  const client = useQueryClient();
  const query = useQuery({
    queryKey: keys.photos(entityType, entityId),
    queryFn: () => fetchPhotos(entityType, entityId),
  });
  const [open, setOpen] = useState<{ photo: Photo; editing: boolean } | null>(null);
  const refresh = () => client.invalidateQueries({ queryKey: keys.photos(entityType, entityId) });

  return (
    <section aria-labelledby={`photos-${entityId}`} data-testid="photo-gallery">
      <h2 id={`photos-${entityId}`} className="text-xl font-bold">
        {t("photos.heading")}
      </h2>
      {canWrite && (
        <PhotoUpload
          entityType={entityType}
          entityId={entityId}
          onUploaded={(photo) => {
            void refresh();
            if (annotateAfterUpload) setOpen({ photo, editing: true });
          }}
        />
      )}
      <div className="mt-3">
        <QueryState query={query} isEmpty={(p) => p.length === 0} empty={<p>{t("photos.none")}</p>}>
          {(photos) => (
            <ul className="flex flex-wrap gap-3">
              {photos.map((photo) => (
                <li key={photo.id}>
                  <Thumbnail photo={photo} onOpen={() => setOpen({ photo, editing: false })} />
                </li>
              ))}
            </ul>
          )}
        </QueryState>
      </div>
      {open && (
        <Viewer
          photo={open.photo}
          editing={open.editing}
          canWrite={canWrite}
          onEdit={(editing) => setOpen({ ...open, editing })}
          onSaved={(photo) => {
            setOpen({ photo, editing: false });
            void refresh();
          }}
          onClose={() => setOpen(null)}
        />
      )}
    </section>
  );
}

function Thumbnail({ photo, onOpen }: { photo: Photo; onOpen: () => void }) {
  const { t } = useTranslation();
  // With a drawing, the thumbnail with it drawn on, so the list shows what was marked.
  const drawn = photo.annotations.length > 0;
  const { url, failed } = useImageUrl(photo.id, drawn ? "annotated-thumbnail" : "thumbnail", photo.annotationsVersion);
  return (
    <button
      type="button"
      onClick={onOpen}
      data-testid="photo-thumb"
      className="flex h-28 w-28 items-center justify-center overflow-hidden rounded-lg border border-slate-300 bg-slate-100 dark:border-slate-600 dark:bg-slate-800"
      aria-label={photo.caption ?? t("photos.open")}
    >
      {url ? (
        <img src={url} alt={photo.caption ?? ""} className="h-full w-full object-cover" />
      ) : (
        <span className="text-sm text-slate-500">{failed ? t("photos.loadFailed") : t("loading")}</span>
      )}
    </button>
  );
}

function Viewer({
  photo,
  editing,
  canWrite,
  onEdit,
  onSaved,
  onClose,
}: {
  photo: Photo;
  editing: boolean;
  canWrite: boolean;
  onEdit: (editing: boolean) => void;
  onSaved: (photo: Photo) => void;
  onClose: () => void;
}) {
  const { t } = useTranslation();
  const { url, failed } = useImageUrl(photo.id, "annotated", photo.annotationsVersion);
  const titleId = useId();
  return (
    <div
      role="dialog"
      aria-modal="true"
      aria-labelledby={titleId}
      className="fixed inset-0 z-50 overflow-y-auto bg-black/70 p-2 sm:p-6"
      onKeyDown={(e) => e.key === "Escape" && !editing && onClose()}
    >
      <div className="mx-auto max-w-5xl rounded-xl bg-white p-4 dark:bg-slate-900">
        <div className="mb-3 flex flex-wrap items-center gap-2">
          <h2 id={titleId} className="mr-auto text-xl font-bold">
            {photo.caption ?? t("photos.photo")}
          </h2>
          {!editing && canWrite && (
            <Button onClick={() => onEdit(true)} data-testid="annotate">
              {t("photos.annotate")}
            </Button>
          )}
          {!editing && (
            <Button variant="secondary" onClick={onClose} autoFocus>
              {t("photos.close")}
            </Button>
          )}
        </div>
        {editing ? (
          <Suspense fallback={<Loading />}>
            <AnnotationEditor photo={photo} onSaved={onSaved} onCancel={() => onEdit(false)} />
          </Suspense>
        ) : url ? (
          <img src={url} alt={photo.caption ?? ""} className="mx-auto max-h-[75vh] w-auto" data-testid="photo-full" />
        ) : (
          <p className="py-6">{failed ? t("photos.loadFailed") : t("loading")}</p>
        )}
      </div>
    </div>
  );
}

/** The camera (or a file): one photo at a time, with progress and the server's refusal at the field. */
export function PhotoUpload({
  entityType,
  entityId,
  onUploaded,
}: {
  entityType: PhotoEntity;
  entityId: string;
  onUploaded: (photo: Photo) => void;
}) {
  const { t } = useTranslation();
  const id = useId();
  const input = useRef<HTMLInputElement>(null);
  const [progress, setProgress] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);

  async function upload(file: File | undefined) {
    if (!file) return;
    setError(null);
    setProgress(0);
    try {
      const photo = await uploadPhoto(entityType, entityId, file, setProgress);
      onUploaded(photo);
    } catch (err) {
      setError(uploadErrorText(t, err));
    } finally {
      setProgress(null);
      if (input.current) input.current.value = "";
    }
  }

  return (
    <div className="mt-3">
      <label
        htmlFor={id}
        className="inline-flex min-h-12 cursor-pointer items-center justify-center rounded-lg bg-blue-700 px-5 text-base font-semibold text-white hover:bg-blue-800 dark:bg-blue-500 dark:text-slate-950"
      >
        {t("photos.take")}
      </label>
      <input
        ref={input}
        id={id}
        type="file"
        accept="image/*"
        capture="environment"
        className="sr-only"
        data-testid="photo-input"
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? `${id}-error` : undefined}
        disabled={progress !== null}
        onChange={(e) => void upload(e.target.files?.[0])}
      />
      {progress !== null && (
        <div className="mt-2 flex items-center gap-3" role="status">
          <progress max={1} value={progress} className="h-3 w-48" aria-label={t("photos.uploading")} />
          <span>{t("photos.uploadingPercent", { percent: Math.round(progress * 100) })}</span>
        </div>
      )}
      {error && (
        <p
          id={`${id}-error`}
          role="alert"
          className="mt-1 font-medium text-red-700 dark:text-red-300"
          data-testid="field-error"
        >
          {error}
        </p>
      )}
    </div>
  );
}

/** A refused upload in words: 415, 413 and the image problems the server names. */
export function uploadErrorText(t: TFunction, error: unknown): string {
  const status = (error as { status?: number }).status;
  if (status === 415) return t("photos.unsupported");
  if (status === 413) return t("photos.tooLarge");
  const code = (error as { errors?: { extensions?: { details?: { code?: string }[] } }[] }).errors?.[0]?.extensions
    ?.details?.[0]?.code;
  if (code === "too_many_pixels") return t("photos.tooManyPixels");
  if (code === "corrupt_image" || code === "empty_file") return t("photos.corrupt");
  return errorText(t, error);
}
