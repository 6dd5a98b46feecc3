/**
 * A CloudFormation template as the service would hold it for given parameters: conditions evaluated,
 * `Fn::If` resolved, `AWS::NoValue` removed, parameters filled in. Given pseudo parameters, resource
 * attributes and exports, `Fn::Sub`, `Fn::GetAtt`, `Fn::ImportValue`, `Fn::Join`, `Fn::Split` and
 * `Fn::Select` are evaluated too, so a policy reads as IAM would see it. Scanners (cfn-guard) and
 * simulators read templates literally.
 */
type Json = Record<string, any>;

export interface Environment {
  readonly pseudo?: { readonly partition: string; readonly region: string; readonly accountId: string };
  /** `Logical.Attribute` → value, for `Fn::GetAtt`. */
  readonly attributes?: Readonly<Record<string, string>>;
  /** Export name → value, for `Fn::ImportValue`. */
  readonly imports?: Readonly<Record<string, string>>;
}

export function resolveTemplate(cfn: Json, parameters: Record<string, string>, environment: Environment = {}): Json {
  const declared = (cfn["Parameters"] ?? {}) as Json;
  const pseudo: Record<string, string> = environment.pseudo
    ? {
        "AWS::Partition": environment.pseudo.partition,
        "AWS::Region": environment.pseudo.region,
        "AWS::AccountId": environment.pseudo.accountId,
      }
    : {};
  const conditions: Record<string, boolean> = {};
  const reference = (name: string, node: Json): unknown => {
    if (name in pseudo) return pseudo[name];
    const given = parameters[name] ?? declared[name]?.["Default"];
    if (given === undefined || !(name in declared)) return node;
    if (declared[name]["Type"] === "CommaDelimitedList") return String(given).split(",");
    return declared[name]["Type"] === "Number" ? Number(given) : given;
  };
  const substitute = (text: string, variables: Json): unknown =>
    environment.pseudo
      ? text.replace(/\$\{([\w:.]+)\}/g, (whole, name: string) => {
          if (name in variables) return String(value(variables[name]));
          if (name.includes(".")) return environment.attributes?.[name] ?? whole;
          return String(reference(name, {}));
        })
      : text;
  const value = (node: any): any => {
    if (Array.isArray(node)) return node.map(value).filter((item) => item !== undefined);
    if (typeof node !== "object" || node === null) return node;
    const entries = Object.entries(node);
    if (entries.length === 1) {
      const [[fn, args]] = entries as [[string, any]];
      if (fn === "Fn::If") return value(conditions[args[0]] ? args[1] : args[2]);
      if (fn === "Ref") return args === "AWS::NoValue" ? undefined : reference(args, node);
      if (fn === "Condition") return conditions[args];
      if (fn === "Fn::Equals") return JSON.stringify(value(args[0])) === JSON.stringify(value(args[1]));
      if (fn === "Fn::Not") return !value(args[0]);
      if (fn === "Fn::And") return (args as unknown[]).every((arg) => value(arg));
      if (fn === "Fn::Or") return (args as unknown[]).some((arg) => value(arg));
      if (fn === "Fn::ImportValue" && environment.imports) return environment.imports[String(value(args))] ?? node;
      if (fn === "Fn::Join") {
        const parts = value(args[1]);
        return Array.isArray(parts) && parts.every((p) => typeof p === "string") ? parts.join(args[0]) : node;
      }
      if (fn === "Fn::Split") {
        const whole = value(args[1]);
        return typeof whole === "string" ? whole.split(args[0]) : node;
      }
      if (fn === "Fn::Select") {
        const list = value(args[1]);
        return Array.isArray(list) ? list[Number(args[0])] : node;
      }
      if (fn === "Fn::Sub" && environment.pseudo)
        return typeof args === "string" ? substitute(args, {}) : substitute(args[0], args[1]);
      if (fn === "Fn::GetAtt" && environment.attributes) {
        const key = Array.isArray(args) ? args.join(".") : String(args);
        return environment.attributes[key] ?? node;
      }
    }
    return Object.fromEntries(
      entries.flatMap(([key, inner]) => {
        const resolved = value(inner);
        return resolved === undefined ? [] : [[key, resolved]];
      }),
    );
  };
  for (const [name, expression] of Object.entries((cfn["Conditions"] ?? {}) as Json))
    conditions[name] = Boolean(value(expression));
  return { ...cfn, Resources: value(cfn["Resources"]) };
}
