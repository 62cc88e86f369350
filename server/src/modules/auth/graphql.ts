import type { Builder } from "../../graphql/builder.ts";
import { toSnakeCase } from "../../graphql/builder.ts";
import type { TokenPair } from "./service.ts";
import type { User } from "../users/service.ts";
import type { ObjectRef } from "@pothos/core";

export function registerAuthGraphql(builder: Builder, { UserType }: { UserType: ObjectRef<never, User> }) {
  const AuthPayload = builder.objectRef<TokenPair>("AuthPayload").implement({
    fields: (t) => ({
      accessToken: t.string({ resolve: (p) => p.access_token }),
      tokenType: t.string({ resolve: (p) => p.token_type }),
      expiresIn: t.int({ resolve: (p) => p.expires_in }),
      refreshToken: t.string({ resolve: (p) => p.refresh_token }),
      passwordChangeRequired: t.boolean({
        description:
          "An admin reset the password: only me, sessions, changePassword and logout work until it is changed",
        resolve: (p) => p.password_change_required,
      }),
    }),
  });

  const RegisterInput = builder.inputType("RegisterInput", {
    fields: (t) => ({
      username: t.string({ required: true }),
      password: t.string({ required: true }),
      fullName: t.string(),
      email: t.string(),
      locale: t.string(),
    }),
  });

  builder.mutationFields((t) => ({
    login: t.field({
      type: AuthPayload,
      args: { username: t.arg.string({ required: true }), password: t.arg.string({ required: true }) },
      resolve: (_root, args, { ctx, services }) => services.auth.login(ctx, args),
    }),
    refreshToken: t.field({
      type: AuthPayload,
      args: { refreshToken: t.arg.string({ required: true }) },
      resolve: (_root, args, { ctx, services }) => services.auth.refresh(ctx, { refresh_token: args.refreshToken }),
    }),
    logout: t.boolean({
      args: { refreshToken: t.arg.string() },
      resolve: async (_root, args, { ctx, services }) => {
        await services.auth.logout(ctx, args.refreshToken ? { refresh_token: args.refreshToken } : {});
        return true;
      },
    }),
    register: t.field({
      type: UserType,
      args: { input: t.arg({ type: RegisterInput, required: true }) },
      resolve: (_root, args, { ctx, services }) => services.auth.register(ctx, toSnakeCase(args.input)),
    }),
  }));
}
