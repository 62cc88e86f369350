import { useEffect, useState } from "react";
import { fetchPhotoBlob, type PhotoVariant } from "../../api/photos";

/**
 * An object URL for a photo's image, fetched with the bearer token (an <img src> cannot send
 * it). The URL is revoked when the image changes or the component goes away, so an open gallery
 * never holds more than it shows.
 */
export function useImageUrl(id: string, variant: PhotoVariant, version = 0): { url: string | null; failed: boolean } {
  const [state, setState] = useState<{ key: string; url: string | null; failed: boolean }>({
    key: "",
    url: null,
    failed: false,
  });
  const key = `${id}/${variant}/${version}`;
  useEffect(() => {
    let url: string | null = null;
    let cancelled = false;
    fetchPhotoBlob(id, variant, version).then(
      (blob) => {
        if (cancelled) return;
        url = URL.createObjectURL(blob);
        setState({ key, url, failed: false });
      },
      () => !cancelled && setState({ key, url: null, failed: true }),
    );
    return () => {
      cancelled = true;
      if (url) URL.revokeObjectURL(url);
    };
  }, [id, variant, version, key]);
  return state.key === key ? { url: state.url, failed: state.failed } : { url: null, failed: false };
}
