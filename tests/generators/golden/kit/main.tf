# Written by `tracechat kit` (README.md). `terraform init` and `terraform apply` create in a
# Genesys Cloud org: a Web Services Data Actions integration with the trace bridge's Basic
# credentials, a Data Action whose request carries the chat's trace context, the Architect flow
# in flows/ that calls it, and, if asked, a Messenger deployment bound to the flow. The provider
# reads the org's OAuth client from GENESYSCLOUD_OAUTHCLIENT_ID, GENESYSCLOUD_OAUTHCLIENT_SECRET
# and GENESYSCLOUD_REGION; no file here holds a secret.

terraform {
  required_version = ">= 1.3"
  required_providers {
    genesyscloud = {
      source = "mypurecloud/genesyscloud"
    }
  }
}

provider "genesyscloud" {}

# The trace bridge's Basic credentials (its --basic-auth-file): Genesys sends them with every
# request of the integration's actions, and the bridge refuses a request without them.
resource "genesyscloud_integration_credential" "bridge" {
  name                 = "${var.data_action_category} bridge"
  credential_type_name = "basicAuth"
  fields = {
    userName = var.bridge_username
    password = var.bridge_password
  }
}

# A Web Services Data Actions integration. Its actions show under its name as their category
# in Architect, which is why the integration is named after var.data_action_category.
resource "genesyscloud_integration" "actions" {
  integration_type = "custom-rest-actions"
  intended_state   = "ENABLED"
  config {
    name       = var.data_action_category
    notes      = "Data Actions that carry the chat's trace context (written by tracechat kit)"
    properties = jsonencode({})
    advanced   = jsonencode({})
    credentials = {
      basicAuth = genesyscloud_integration_credential.bridge.id
    }
  }
}

# The Data Action: the same request as the import JSON in data-actions/. Its headers build
# traceparent, tracestate and X-Conversation-Id from the inputs the flow binds; every $${
# below is a literal ${ of the Velocity template.
resource "genesyscloud_integration_action" "traced" {
  name                   = var.data_action_name
  category               = var.data_action_category
  integration_id         = genesyscloud_integration.actions.id
  secure                 = false
  config_timeout_seconds = var.timeout
  contract_input = jsonencode({
    "type" = "object"
    "properties" = {
      "otel_trace_id" = {
        "type"        = "string"
        "description" = "Participant data otel_trace_id: the chat's W3C trace id (32 hex)"
      }
      "otel_span_id" = {
        "type"        = "string"
        "description" = "Participant data otel_span_id: the parent span id (16 hex)"
      }
      "traceparent" = {
        "type"        = "string"
        "description" = "Participant data traceparent: the chat's whole W3C traceparent, with its trace flags (optional; without it the header is built from the ids, flags 01)"
      }
      "tracestate" = {
        "type"        = "string"
        "description" = "Participant data tracestate: the chat's W3C tracestate (optional; not sent when empty)"
      }
      "conversationId" = {
        "type"        = "string"
        "description" = "Message.ConversationId: the conversation's id (a UUID), sent as X-Conversation-Id (optional)"
      }
      "orderId" = {
        "type" = "string"
      }
    }
    "required" = ["otel_trace_id", "otel_span_id"]
  })
  contract_output = jsonencode({
    "type" = "object"
    "properties" = {
      "status" = {
        "type" = "string"
      }
    }
  })
  config_request {
    request_type         = "POST"
    request_url_template = "https://orders.example.com/check"
    request_template     = "$${input.rawRequest}"
    headers = {
      "traceparent"        = "#if($input.traceparent)$esc.url($${input.traceparent})#{else}00-$esc.url($${input.otel_trace_id})-$esc.url($${input.otel_span_id})-01#end"
      "tracestate"         = "$!esc.jsonString($${input.tracestate})"
      "X-Conversation-Id"  = "$!esc.url($${input.conversationId})"
      "x-tracechat-action" = "Traced request"
      "Content-Type"       = "application/json"
      "Accept"             = "application/json"
      "Transfer-Encoding"  = "buffered"
    }
  }
  config_response {
    translation_map = {
      "status" = "$.status"
    }
    translation_map_defaults = {
      "status" = "\"\""
    }
    success_template = "{\"status\": $${status}}"
  }
}

# The Architect flow. The provider replaces its {{placeholders}} with these values as they are,
# which is why variables.tf refuses values that would break the YAML.
resource "genesyscloud_flow" "traced" {
  filepath = "${path.module}/flows/tracechat-flow.yaml"
  # A changed flow file (a kit written again with other options) is deployed again.
  file_content_hash = filesha256("${path.module}/flows/tracechat-flow.yaml")
  substitutions = {
    flow_name            = var.flow_name
    data_action_category = var.data_action_category
    data_action_name     = var.data_action_name
    queue_name           = var.queue_name
  }

  # The flow calls the action by category and name: it must exist when the flow is published.
  depends_on = [genesyscloud_integration_action.traced]
}

# With -var messenger_deployment=true: a Messenger configuration with conversations on, and
# a deployment that runs the flow for its conversations. The chat client connects with its id
# (output messenger_deployment_id).
resource "genesyscloud_webdeployments_configuration" "messenger" {
  count            = var.messenger_deployment ? 1 : 0
  name             = "${var.flow_name} messenger"
  languages        = ["en-us"]
  default_language = "en-us"
  messenger {
    enabled = true
    apps {
      conversations {
        enabled            = true
        auto_start_enabled = var.messenger_auto_start
      }
    }
  }
}

resource "genesyscloud_webdeployments_deployment" "messenger" {
  count           = var.messenger_deployment ? 1 : 0
  name            = "${var.flow_name} messenger"
  status          = "Active"
  allowed_domains = var.messenger_allowed_domains
  flow_id         = genesyscloud_flow.traced.id
  configuration {
    id      = genesyscloud_webdeployments_configuration.messenger[0].id
    version = genesyscloud_webdeployments_configuration.messenger[0].version
  }

  lifecycle {
    precondition {
      condition     = length(var.messenger_allowed_domains) > 0
      error_message = "Set messenger_allowed_domains to the domains of the pages that open the chat."
    }
  }
}

output "integration_id" {
  description = "The Web Services Data Actions integration"
  value       = genesyscloud_integration.actions.id
}

output "data_action_id" {
  description = "The Data Action"
  value       = genesyscloud_integration_action.traced.id
}

output "flow_id" {
  description = "The Architect flow"
  value       = genesyscloud_flow.traced.id
}

output "messenger_deployment_id" {
  description = "The Messenger deployment (null unless messenger_deployment): --deployment-id"
  value       = one(genesyscloud_webdeployments_deployment.messenger[*].id)
}
