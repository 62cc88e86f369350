import { lazy } from "react";
import { Route, Routes } from "react-router";
import type { Me } from "../api/session";
import { UserContext } from "../auth/user";
import { Shell } from "../components/Shell";
import { HomePage } from "./HomePage";
import { NotFoundPage } from "./NotFoundPage";

// The plant pages load on first visit, keeping the login and start page light.
const LinesPage = lazy(() => import("./plant/LinesPage").then((m) => ({ default: m.LinesPage })));
const LinePage = lazy(() => import("./plant/LinePage").then((m) => ({ default: m.LinePage })));
const NewLinePage = lazy(() => import("./plant/NewLinePage").then((m) => ({ default: m.NewLinePage })));
const NewMachinePage = lazy(() => import("./plant/NewMachinePage").then((m) => ({ default: m.NewMachinePage })));
const MachinePage = lazy(() => import("./machine/MachinePage").then((m) => ({ default: m.MachinePage })));
// Tools and inspections, likewise.
const ToolsPage = lazy(() => import("./tools/ToolsPage").then((m) => ({ default: m.ToolsPage })));
const NewToolPage = lazy(() => import("./tools/NewToolPage").then((m) => ({ default: m.NewToolPage })));
const ImportToolsPage = lazy(() => import("./tools/ImportToolsPage").then((m) => ({ default: m.ImportToolsPage })));
const ToolPage = lazy(() => import("./tools/ToolPage").then((m) => ({ default: m.ToolPage })));
// Administration: one chunk for all its sections, loaded only by roles that open it.
const AdminRoutes = lazy(() => import("./admin/AdminRoutes"));
const DashboardPage = lazy(() => import("./dashboard/DashboardPage").then((m) => ({ default: m.DashboardPage })));
// The scanner brings the QR decoder; it loads when someone taps "Scan".
const ScanPage = lazy(() => import("./scan/ScanPage").then((m) => ({ default: m.ScanPage })));
// Failures and actions: their own chunks (the drawing tools load later still, on first use).
const FailuresPage = lazy(() => import("./failures/FailuresPage").then((m) => ({ default: m.FailuresPage })));
const NewFailurePage = lazy(() => import("./failures/NewFailurePage").then((m) => ({ default: m.NewFailurePage })));
const FailurePage = lazy(() => import("./failures/FailurePage").then((m) => ({ default: m.FailurePage })));
const ActionsPage = lazy(() => import("./actions/ActionsPage").then((m) => ({ default: m.ActionsPage })));
const NewActionPage = lazy(() => import("./actions/NewActionPage").then((m) => ({ default: m.NewActionPage })));
const AccountPage = lazy(() => import("./account/AccountPage").then((m) => ({ default: m.AccountPage })));
// Analytics brings uPlot and every figure's tab; the downtime list is where its Pareto leads.
const AnalyticsPage = lazy(() => import("./analytics/AnalyticsPage").then((m) => ({ default: m.AnalyticsPage })));
const DowntimesPage = lazy(() => import("./downtimes/DowntimesPage").then((m) => ({ default: m.DowntimesPage })));
const InspectionPage = lazy(() => import("./inspections/InspectionPage").then((m) => ({ default: m.InspectionPage })));

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
          <Route path="plant">
            <Route index element={<LinesPage />} />
            <Route path="lines/new" element={<NewLinePage />} />
            <Route path="lines/:lineId" element={<LinePage />} />
            <Route path="lines/:lineId/machines/new" element={<NewMachinePage />} />
            <Route path="machines/:machineId" element={<MachinePage />} />
          </Route>
          <Route path="tools">
            <Route index element={<ToolsPage />} />
            <Route path="new" element={<NewToolPage />} />
            <Route path="import" element={<ImportToolsPage />} />
            <Route path=":toolId" element={<ToolPage />} />
          </Route>
          <Route path="inspections/:logId" element={<InspectionPage />} />
          <Route path="failures">
            <Route index element={<FailuresPage />} />
            <Route path="new" element={<NewFailurePage />} />
            <Route path=":failureId" element={<FailurePage />} />
          </Route>
          <Route path="actions">
            <Route index element={<ActionsPage />} />
            <Route path="new" element={<NewActionPage />} />
          </Route>
          <Route path="analytics" element={<AnalyticsPage />} />
          <Route path="downtimes" element={<DowntimesPage />} />
          <Route path="account" element={<AccountPage />} />
          <Route path="admin/*" element={<AdminRoutes />} />
          <Route path="scan" element={<ScanPage />} />
          <Route path="dashboard" element={<DashboardPage />} />
          <Route path="*" element={<NotFoundPage />} />
        </Route>
      </Routes>
    </UserContext>
  );
}
