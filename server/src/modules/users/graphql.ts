import { permissionsOf, ROLES } from "../../access/permissions.ts";
import { connectionType, pageArgs, toSnakeCase, withoutNulls, type Builder } from "../../graphql/builder.ts";
import type { Refs } from "../../graphql/refs.ts";
import { LOCALES, type User } from "./service.ts";

export function registerUserGraphql(builder: Builder, refs: Refs) {
  const Role = builder.enumType("Role", { values: ROLES });
  const Locale = builder.enumType("Locale", { values: LOCALES });

  const UserType = builder.objectRef<User>("User").implement({
    fields: (t) => ({
      id: t.exposeID("id"),
      username: t.exposeString("username"),
      fullName: t.string({ nullable: true, resolve: (u) => u.full_name }),
      email: t.exposeString("email", { nullable: true }),
      role: t.string({ resolve: (u) => u.role }),
      active: t.exposeBoolean("active"),
      locale: t.exposeString("locale"),
      createdAt: t.string({ resolve: (u) => u.created_at }),
      updatedAt: t.string({ resolve: (u) => u.updated_at }),
      lastLoginAt: t.string({ nullable: true, resolve: (u) => u.last_login_at }),
      mustChangePassword: t.exposeBoolean("must_change_password"),
      anonymisedAt: t.string({ nullable: true, resolve: (u) => u.anonymised_at }),
      permissions: t.stringList({
        description: "What the user's role allows (docs/permissions.md)",
        resolve: (u) => [...permissionsOf(u.role)],
      }),
    }),
  });
  const UserConnection = connectionType(builder, "User", UserType);

  const CreateUserInput = builder.inputType("CreateUserInput", {
    fields: (t) => ({
      username: t.string({ required: true }),
      password: t.string({ required: true }),
      role: t.field({ type: Role, required: true }),
      fullName: t.string(),
      email: t.string(),
      locale: t.field({ type: Locale }),
      active: t.boolean(),
      mustChangePassword: t.boolean(),
    }),
  });
  const UpdateUserInput = builder.inputType("UpdateUserInput", {
    fields: (t) => ({
      fullName: t.string(),
      email: t.string(),
      role: t.field({ type: Role }),
      locale: t.field({ type: Locale }),
      active: t.boolean(),
      password: t.string(),
      mustChangePassword: t.boolean({ description: "Defaults to true when an admin sets another user's password" }),
    }),
  });

  refs.Person.implement({
    description: "What colleagues see of an account: its name, not how to reach or log in as it",
    fields: (t) => ({
      id: t.exposeID("id"),
      username: t.exposeString("username"),
      fullName: t.string({ nullable: true, resolve: (p) => p.full_name }),
      name: t.exposeString("name", { description: "The full name, else the username" }),
    }),
  });

  builder.queryFields((t) => ({
    people: t.field({
      type: [refs.Person],
      description: "Active people by name, to assign actions to (actions:assign)",
      args: { q: t.arg.string() },
      resolve: async (_root, args, { ctx, services }) => (await services.users.people(ctx, withoutNulls(args))).items,
    }),
    me: t.field({ type: UserType, resolve: (_root, _args, { ctx, services }) => services.users.me(ctx) }),
    user: t.field({
      type: UserType,
      args: { id: t.arg.id({ required: true }) },
      resolve: (_root, args, { ctx, services }) => services.users.get(ctx, String(args.id)),
    }),
    users: t.field({
      type: UserConnection,
      args: {
        first: t.arg.int(),
        after: t.arg.string(),
        role: t.arg({ type: Role }),
        active: t.arg.boolean(),
        q: t.arg.string(),
      },
      resolve: (_root, { first, after, active, ...filter }, { ctx, services }) =>
        services.users.list(ctx, {
          ...pageArgs({ first, after }),
          ...withoutNulls(filter),
          // REST takes `active` as a query-string value; GraphQL as a boolean.
          ...(active == null ? {} : { active: String(active) }),
        }),
    }),
  }));

  builder.mutationFields((t) => ({
    createUser: t.field({
      type: UserType,
      args: { input: t.arg({ type: CreateUserInput, required: true }) },
      resolve: (_root, args, { ctx, services }) => services.users.create(ctx, toSnakeCase(args.input)),
    }),
    updateUser: t.field({
      type: UserType,
      args: { id: t.arg.id({ required: true }), input: t.arg({ type: UpdateUserInput, required: true }) },
      resolve: (_root, args, { ctx, services }) => services.users.update(ctx, String(args.id), toSnakeCase(args.input)),
    }),
  }));

  return { UserType };
}
