import { QueryState } from "../../components/QueryState";
import { keepPreviousData, useInfiniteQuery, useMutation, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { createUser, fetchUsers, updateUser, type AdminUser, type NewUser, type UserFilter } from "../../api/admin";
import { useErrorText } from "../../api/errors";
import { keys } from "../../api/keys";
import { ROLES, useAbilities, useUser, type Role } from "../../auth/user";
import { Badge } from "../../components/Badge";
import { Button } from "../../components/Button";
import { formErrors } from "../../components/form/errors";
import { controlClass, SelectField, TextField } from "../../components/form/Field";
import { LoadMore } from "../../components/Page";
import { useFormat } from "../../i18n/format";
import { Refused } from "./AdminRoutes";

const NEW_USER: NewUser = { username: "", fullName: "", email: "", role: "operator", password: "" };
const USER_FIELDS = ["username", "fullName", "email", "role", "password"] as const;

/** Users and roles: managers read the list; admins create, change roles, deactivate and reset passwords. */
export function UsersAdmin() {
  const { t } = useTranslation();
  const can = useAbilities();
  const [filter, setFilter] = useState<UserFilter>({ q: "", active: "" });
  const query = useInfiniteQuery({
    queryKey: keys.users(filter),
    queryFn: ({ pageParam }) => fetchUsers(filter, pageParam),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => (last.hasNextPage ? last.endCursor : undefined),
    placeholderData: keepPreviousData,
    enabled: can.readUsers,
  });
  if (!can.readUsers) return <Refused />;
  const users = query.data?.pages.flatMap((p) => p.items) ?? [];

  return (
    <div className="grid gap-8">
      {can.writeUsers && <NewUserForm />}
      <section aria-labelledby="users-heading">
        <h2 id="users-heading" className="text-2xl font-bold">
          {t("admin.users.heading")}
        </h2>
        <div className="mt-3 grid gap-3 sm:grid-cols-2">
          <TextField
            label={t("admin.users.search")}
            type="search"
            value={filter.q}
            onChange={(e) => setFilter((f) => ({ ...f, q: e.target.value }))}
          />
          <SelectField
            label={t("admin.users.activeFilter")}
            value={filter.active}
            onChange={(e) => setFilter((f) => ({ ...f, active: e.target.value as UserFilter["active"] }))}
          >
            <option value="">{t("admin.users.all")}</option>
            <option value="yes">{t("admin.users.activeOnly")}</option>
            <option value="no">{t("admin.users.inactiveOnly")}</option>
          </SelectField>
        </div>
        <QueryState
          query={query}
          isEmpty={() => users.length === 0}
          empty={<p className="mt-4 text-lg">{t("admin.users.none")}</p>}
        >
          {() => (
            <ul className="mt-4 grid gap-3" data-testid="user-list">
              {users.map((user) => (
                <UserRow key={user.id} user={user} canWrite={can.writeUsers} />
              ))}
            </ul>
          )}
        </QueryState>
        <LoadMore
          hasMore={!!query.hasNextPage}
          loading={query.isFetchingNextPage}
          onClick={() => void query.fetchNextPage()}
        />
      </section>
    </div>
  );
}

function NewUserForm() {
  const { t } = useTranslation();
  const client = useQueryClient();
  const [draft, setDraft] = useState<NewUser>(NEW_USER);
  const [created, setCreated] = useState<string | null>(null);
  const save = useMutation({
    mutationFn: createUser,
    onSuccess: async (user) => {
      setCreated(user.username);
      setDraft(NEW_USER);
      await client.invalidateQueries({ queryKey: keys.userLists });
    },
  });
  const { fields, general } = formErrors(t, save.error, USER_FIELDS);
  const set = (name: keyof NewUser) => (event: { target: { value: string } }) =>
    setDraft((d) => ({ ...d, [name]: event.target.value }));

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setCreated(null);
    if (!save.isPending) save.mutate(draft);
  }

  return (
    <section aria-labelledby="new-user-heading">
      <h2 id="new-user-heading" className="text-2xl font-bold">
        {t("admin.users.new")}
      </h2>
      <form className="mt-3 grid max-w-3xl gap-4 sm:grid-cols-2" onSubmit={submit} noValidate data-testid="new-user">
        <TextField
          label={t("admin.users.username")}
          required
          autoCapitalize="none"
          autoComplete="off"
          spellCheck={false}
          value={draft.username}
          onChange={set("username")}
          error={fields.username}
        />
        <TextField
          label={t("admin.users.fullName")}
          value={draft.fullName}
          onChange={set("fullName")}
          error={fields.fullName}
        />
        <TextField
          label={t("admin.users.email")}
          type="email"
          value={draft.email}
          onChange={set("email")}
          error={fields.email}
        />
        <SelectField label={t("admin.users.role")} value={draft.role} onChange={set("role")} error={fields.role}>
          {ROLES.map((role) => (
            <option key={role} value={role}>
              {t(`roles.${role}`)}
            </option>
          ))}
        </SelectField>
        <TextField
          label={t("admin.users.password")}
          hint={t("admin.users.passwordHint")}
          type="password"
          autoComplete="new-password"
          required
          value={draft.password}
          onChange={set("password")}
          error={fields.password}
        />
        {general && (
          <p
            role="alert"
            className="rounded-lg bg-red-50 px-4 py-3 font-medium text-red-800 sm:col-span-2 dark:bg-red-950 dark:text-red-200"
          >
            {general}
          </p>
        )}
        {created && (
          <p role="status" className="font-medium text-green-800 sm:col-span-2 dark:text-green-300">
            {t("admin.users.created", { username: created })}
          </p>
        )}
        <div className="sm:col-span-2">
          <Button type="submit" disabled={save.isPending}>
            {save.isPending ? t("forms.creating") : t("admin.users.create")}
          </Button>
        </div>
      </form>
    </section>
  );
}

function UserRow({ user, canWrite }: { user: AdminUser; canWrite: boolean }) {
  const { t } = useTranslation();
  const format = useFormat();
  const me = useUser();
  const client = useQueryClient();
  const errorText = useErrorText();
  const [resetting, setResetting] = useState(false);
  const [password, setPassword] = useState("");
  const [done, setDone] = useState<string | null>(null);
  const change = useMutation({
    mutationFn: (patch: Parameters<typeof updateUser>[1]) => updateUser(user.id, patch),
    onSuccess: async (_user, patch) => {
      if (patch.password) {
        setResetting(false);
        setPassword("");
        setDone(t("admin.users.passwordReset"));
      } else setDone(null);
      await client.invalidateQueries({ queryKey: keys.userLists });
    },
  });
  const { fields, general } = formErrors(t, change.error, ["password"]);
  const name = user.fullName?.trim() || user.username;

  return (
    <li
      className={`rounded-xl border border-slate-200 p-4 dark:border-slate-700 ${user.active ? "" : "opacity-70"}`}
      data-testid="user-row"
      data-username={user.username}
    >
      <div className="flex flex-wrap items-center gap-3">
        <div className="min-w-0 flex-1">
          <p className="truncate text-lg font-semibold">
            {name}
            {name !== user.username && (
              <span className="ml-2 font-normal text-slate-600 dark:text-slate-400">{user.username}</span>
            )}
          </p>
          <p className="text-sm text-slate-600 dark:text-slate-400">
            {user.email && <span>{user.email} · </span>}
            {user.lastLoginAt
              ? t("admin.users.lastLogin", { when: format.dateTime(user.lastLoginAt) })
              : t("admin.users.neverLoggedIn")}
          </p>
        </div>
        {!user.active && <Badge tone="slate">{t("admin.users.inactive")}</Badge>}
        {canWrite ? (
          <label className="flex items-center gap-2">
            <span className="sr-only">{t("admin.users.roleOf", { username: user.username })}</span>
            <select
              className={`${controlClass} w-auto`}
              value={user.role}
              disabled={change.isPending}
              onChange={(e) => change.mutate({ role: e.target.value as Role })}
            >
              {ROLES.map((role) => (
                <option key={role} value={role}>
                  {t(`roles.${role}`)}
                </option>
              ))}
            </select>
          </label>
        ) : (
          <Badge tone="blue">{t(`roles.${user.role}`, { defaultValue: user.role })}</Badge>
        )}
      </div>
      {canWrite && (
        <div className="mt-3 flex flex-wrap gap-3">
          <Button
            variant="secondary"
            disabled={change.isPending || user.id === me.id}
            onClick={() => change.mutate({ active: !user.active })}
          >
            {user.active ? t("admin.users.deactivate") : t("admin.users.reactivate")}
          </Button>
          {!resetting && (
            <Button variant="secondary" onClick={() => (setResetting(true), setDone(null))}>
              {t("admin.users.resetPassword")}
            </Button>
          )}
        </div>
      )}
      {resetting && (
        <form
          className="mt-3 flex flex-wrap items-end gap-3"
          noValidate
          onSubmit={(e) => {
            e.preventDefault();
            change.mutate({ password });
          }}
        >
          <TextField
            className="min-w-60 flex-1"
            label={t("admin.users.newPassword")}
            hint={t("admin.users.passwordHint")}
            type="password"
            autoComplete="new-password"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            error={fields.password}
          />
          <Button type="submit" disabled={change.isPending}>
            {t("admin.users.setPassword")}
          </Button>
          <Button variant="secondary" onClick={() => (setResetting(false), setPassword(""), change.reset())}>
            {t("forms.cancel")}
          </Button>
        </form>
      )}
      {change.isError && !fields.password && (
        <p role="alert" className="mt-2 font-medium text-red-700 dark:text-red-300">
          {general ?? errorText(change.error)}
        </p>
      )}
      {done && (
        <p role="status" className="mt-2 font-medium text-green-800 dark:text-green-300">
          {done}
        </p>
      )}
    </li>
  );
}
