import type { ObjectRef } from "@pothos/core";
import type { Builder } from "../../graphql/builder.ts";
import type { User } from "../users/service.ts";

export function registerPrivacyGraphql(builder: Builder, { UserType }: { UserType: ObjectRef<never, User> }) {
  builder.queryFields((t) => ({
    userExport: t.field({
      type: "JSON",
      description: "Everything the user did (the user themself or an admin); same document as the REST export",
      args: { id: t.arg.id({ required: true }) },
      resolve: (_root, args, { ctx, services }) => services.privacy.export(ctx, String(args.id)),
    }),
  }));
  builder.mutationFields((t) => ({
    anonymiseUser: t.field({
      type: UserType,
      description: "Replace a departed user's username, name and e-mail with a pseudonym everywhere (admin)",
      args: { id: t.arg.id({ required: true }) },
      resolve: (_root, args, { ctx, services }) => services.privacy.anonymise(ctx, String(args.id)),
    }),
  }));
}
