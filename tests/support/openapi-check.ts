import { Ajv2020 } from 'ajv/dist/2020.js';

type Document = {
  paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, { schema: object }> }> }>>;
  components?: { schemas?: Record<string, object> };
};

/**
 * Validates real response bodies against an OpenAPI 3.1 document as served: the response schema
 * for the route template, method and status, with the document's components resolvable.
 */
export function openApiValidator(document: Document) {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  ajv.addSchema({ $id: 'doc', components: document.components ?? {} });
  return (template: string, method: string, status: number, body: unknown): string[] => {
    const response = document.paths[template]?.[method]?.responses[String(status)];
    if (!response) return [`no documented response ${status} for ${method.toUpperCase()} ${template}`];
    const schema = response.content?.['application/json']?.schema;
    if (!schema) return [`response ${status} of ${template} documents no JSON body`];
    const resolved = JSON.parse(JSON.stringify(schema).replaceAll('"#/components/', '"doc#/components/'));
    const validate = ajv.compile(resolved);
    return validate(body)
      ? []
      : (validate.errors ?? []).map((e: { instancePath: string; message?: string }) => `${e.instancePath} ${e.message}`);
  };
}
