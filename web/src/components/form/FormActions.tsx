import { useNavigate } from "react-router";
import { Button } from "../Button";
import { ButtonLink } from "../Page";

/**
 * The foot of a create form: submit (showing `pendingLabel` while the request runs) and cancel,
 * which goes to `cancelTo`, or back where the user came from when the form has no home page.
 */
export function FormActions({
  pending,
  submitLabel,
  pendingLabel,
  cancelLabel,
  cancelTo,
  className = "",
}: {
  pending: boolean;
  submitLabel: string;
  pendingLabel: string;
  cancelLabel: string;
  cancelTo?: string;
  className?: string;
}) {
  const navigate = useNavigate();
  return (
    <div className={`flex flex-wrap gap-3 ${className}`}>
      <Button type="submit" disabled={pending}>
        {pending ? pendingLabel : submitLabel}
      </Button>
      {cancelTo ? (
        <ButtonLink to={cancelTo} variant="secondary">
          {cancelLabel}
        </ButtonLink>
      ) : (
        <Button variant="secondary" onClick={() => void navigate(-1)}>
          {cancelLabel}
        </Button>
      )}
    </div>
  );
}
