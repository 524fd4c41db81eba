//! The served OpenAPI document, and checks of JSON against its schemas.

use axum::http::StatusCode;
use serde_json::{Value, json};

use super::{TestApp, TestResponse};

/// The served document and a JSON Schema validator over its components.
pub struct Document(pub Value);

impl Document {
    pub async fn served(app: &TestApp) -> Self {
        let answer = app.get("/api/openapi.json").await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
        Self(answer.json())
    }

    /// Checks `instance` against `schema`, whose `$ref`s point into the document's components
    /// (formats such as `uuid`, `date-time` and `date` asserted).
    pub fn check(&self, schema: &Value, instance: &Value) -> Result<(), String> {
        let mut root = match schema {
            Value::Object(_) => schema.clone(),
            other => panic!("a schema object expected: {other}"),
        };
        root["$schema"] = json!("https://json-schema.org/draft/2020-12/schema");
        root["components"] = self.0["components"].clone();
        let validator = jsonschema::options()
            .should_validate_formats(true)
            .build(&root)
            .map_err(|e| format!("the schema does not compile: {e}"))?;
        let errors: Vec<String> = validator
            .iter_errors(instance)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors.join("; "))
        }
    }

    /// The operation for `method` on the path template `path`.
    pub fn operation(&self, method: &str, path: &str) -> &Value {
        let operation = &self.0["paths"][path][method.to_lowercase()];
        assert!(operation.is_object(), "no operation {method} {path} in the document");
        operation
    }

    /// The documented JSON schema of the answer `status` of `method path`: the status must be
    /// documented, with a JSON body.
    pub fn answer_schema(&self, method: &str, path: &str, status: StatusCode) -> Value {
        let mut response = &self.operation(method, path)["responses"][status.as_str()];
        if let Some(reference) = response["$ref"].as_str() {
            let name = reference.trim_start_matches("#/components/responses/");
            response = &self.0["components"]["responses"][name];
        }
        let schema = &response["content"]["application/json"]["schema"];
        assert!(
            schema.is_object(),
            "{method} {path} does not document a JSON answer for {status}: {response}"
        );
        schema.clone()
    }

    /// Fails unless `answer` (a JSON body) matches the schema documented for its status.
    pub fn assert_answer(&self, method: &str, path: &str, answer: &TestResponse) {
        let schema = self.answer_schema(method, path, answer.status);
        if let Err(errors) = self.check(&schema, &answer.json()) {
            panic!(
                "{method} {path} answered {} not as documented: {errors}\n{}",
                answer.status, answer.body
            );
        }
    }

    /// The request body example documented for `method path`: the body's own, else its schema's.
    pub fn request_example(&self, method: &str, path: &str) -> Value {
        let body = &self.operation(method, path)["requestBody"]["content"]["application/json"];
        let example = match (&body["example"], body["schema"]["$ref"].as_str()) {
            (Value::Null, Some(reference)) => self.schema(reference)["example"].clone(),
            (example, _) => example.clone(),
        };
        assert!(!example.is_null(), "{method} {path} documents no request example");
        example
    }

    /// The component schema a `$ref` names.
    pub fn schema(&self, reference: &str) -> &Value {
        let name = reference.trim_start_matches("#/components/schemas/");
        &self.0["components"]["schemas"][name]
    }
}
