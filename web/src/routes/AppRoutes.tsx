import { Route, Routes } from "react-router";
import type { Me } from "../api/session";
import { UserContext } from "../auth/user";
import { Shell } from "../components/Shell";
import { HomePage } from "./HomePage";
import { NotFoundPage } from "./NotFoundPage";

interface Props {
  user: Me;
  onLogout: () => Promise<void>;
}

/** The signed-in app: every page inside the shell. */
export function AppRoutes({ user, onLogout }: Props) {
  return (
    <UserContext value={user}>
      <Routes>
        <Route element={<Shell user={user} onLogout={onLogout} />}>
          <Route index element={<HomePage />} />
          <Route path="*" element={<NotFoundPage />} />
        </Route>
      </Routes>
    </UserContext>
  );
}
