import {
  GraphQLError,
  Kind,
  type ASTVisitor,
  type FragmentDefinitionNode,
  type SelectionSetNode,
  type ValidationContext,
} from "graphql";

/**
 * Rejects documents whose estimated cost exceeds `maxCost`. Every selected field costs 1,
 * times the page size of the lists above it (`first`, default 50 when a list takes `first`),
 * so a deep nest of large pages is refused before it runs. Fragments are expanded; aliases
 * count as the fields they repeat.
 */
export function costLimitRule(maxCost: number) {
  return (context: ValidationContext): ASTVisitor => {
    const fragments = new Map<string, FragmentDefinitionNode>();
    for (const def of context.getDocument().definitions) {
      if (def.kind === Kind.FRAGMENT_DEFINITION) fragments.set(def.name.value, def);
    }

    const cost = (set: SelectionSetNode | undefined, multiplier: number, seen: Set<string>): number => {
      if (!set) return 0;
      let total = 0;
      for (const selection of set.selections) {
        if (selection.kind === Kind.FIELD) {
          const first = selection.arguments?.find((a) => a.name.value === "first");
          let pageSize = 1;
          if (first) pageSize = first.value.kind === Kind.INT ? Math.max(1, Number(first.value.value)) : 50;
          total += multiplier + cost(selection.selectionSet, multiplier * pageSize, seen);
        } else if (selection.kind === Kind.INLINE_FRAGMENT) {
          total += cost(selection.selectionSet, multiplier, seen);
        } else {
          const name = selection.name.value;
          const fragment = fragments.get(name);
          if (fragment && !seen.has(name)) total += cost(fragment.selectionSet, multiplier, new Set([...seen, name]));
        }
        if (total > maxCost) return total;
      }
      return total;
    };

    return {
      OperationDefinition(node) {
        const total = cost(node.selectionSet, 1, new Set());
        if (total > maxCost) {
          context.reportError(
            new GraphQLError(`Query is too expensive: estimated cost ${total} exceeds the limit of ${maxCost}`, {
              nodes: [node],
              extensions: { code: "BAD_USER_INPUT" },
            }),
          );
        }
      },
    };
  };
}
