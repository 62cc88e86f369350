import jsQR from "jsqr";
import { useEffect, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { useNavigate } from "react-router";
import { Button } from "../../components/Button";
import { homPath } from "./homLink";

type State =
  | { kind: "starting" }
  | { kind: "scanning" }
  | { kind: "noCamera" }
  | { kind: "failed"; message: string }
  | { kind: "foreign"; text: string };

/** Frames are decoded this often; more only warms the tablet without finding the code sooner. */
const FRAME_MS = 150;
/** Decoding works on a frame at most this wide (fast, and a label fills a good part of it). */
const MAX_WIDTH = 640;

/**
 * `/scan`: the rear camera (getUserMedia), frames decoded with jsQR, and a HOM address found
 * opens its page. Another address or text is shown, not opened.
 */
export function ScanPage() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const videoRef = useRef<HTMLVideoElement>(null);
  const [state, setState] = useState<State>({ kind: "starting" });
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    if (!navigator.mediaDevices?.getUserMedia) {
      setState({ kind: "noCamera" });
      return;
    }
    let stopped = false;
    let stream: MediaStream | null = null;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const canvas = document.createElement("canvas");
    const context = canvas.getContext("2d", { willReadFrequently: true });
    const stop = () => {
      stopped = true;
      clearTimeout(timer);
      stream?.getTracks().forEach((track) => track.stop());
    };

    const tick = () => {
      if (stopped) return;
      const video = videoRef.current;
      if (video && context && video.readyState >= 2 && video.videoWidth > 0) {
        const scale = Math.min(1, MAX_WIDTH / video.videoWidth);
        canvas.width = Math.round(video.videoWidth * scale);
        canvas.height = Math.round(video.videoHeight * scale);
        context.drawImage(video, 0, 0, canvas.width, canvas.height);
        const image = context.getImageData(0, 0, canvas.width, canvas.height);
        const code = jsQR(image.data, image.width, image.height, { inversionAttempts: "attemptBoth" });
        if (code && code.data) {
          const path = homPath(code.data, window.location.origin);
          stop();
          if (path) void navigate(path);
          else setState({ kind: "foreign", text: code.data });
          return;
        }
      }
      timer = setTimeout(tick, FRAME_MS);
    };

    navigator.mediaDevices
      .getUserMedia({ video: { facingMode: { ideal: "environment" } }, audio: false })
      .then(async (media) => {
        stream = media;
        if (stopped) return stop();
        const video = videoRef.current;
        if (!video) return stop();
        video.srcObject = media;
        await video.play();
        setState({ kind: "scanning" });
        tick();
      })
      .catch((error: unknown) => {
        if (stopped) return;
        setState({ kind: "failed", message: error instanceof Error ? error.message : String(error) });
      });
    return stop;
  }, [attempt, navigate]);

  const again = () => {
    setState({ kind: "starting" });
    setAttempt((n) => n + 1);
  };

  return (
    <>
      <h1 className="text-3xl font-bold">{t("qr.scanTitle")}</h1>
      <p className="mt-2 text-lg text-slate-600 dark:text-slate-400">{t("qr.scanHint")}</p>
      <div className="mt-4 max-w-xl overflow-hidden rounded-xl bg-black">
        <video
          ref={videoRef}
          className={`aspect-video w-full object-cover ${state.kind === "scanning" || state.kind === "starting" ? "" : "hidden"}`}
          muted
          playsInline
          data-testid="scan-video"
        />
      </div>
      <div className="mt-4 max-w-xl" aria-live="polite">
        {state.kind === "starting" && <p role="status">{t("qr.starting")}</p>}
        {state.kind === "noCamera" && <p role="alert">{t("qr.noCamera")}</p>}
        {state.kind === "failed" && <p role="alert">{t("qr.cameraError", { message: state.message })}</p>}
        {state.kind === "foreign" && (
          <div role="alert" className="rounded-lg bg-amber-50 p-4 dark:bg-amber-950">
            <p className="font-medium">{t("qr.foreign")}</p>
            <p className="mt-2 font-mono break-all" data-testid="scanned-text">
              {state.text}
            </p>
          </div>
        )}
        {(state.kind === "foreign" || state.kind === "failed") && (
          <Button className="mt-4" onClick={again}>
            {t("qr.scanAgain")}
          </Button>
        )}
      </div>
    </>
  );
}
