# Written by `tracechat kit`. Set a variable with -var NAME=VALUE, in terraform.tfvars, or as
# TF_VAR_NAME in the environment (the place for bridge_password: not on a command line).

variable "data_action_name" {
  description = "The Data Action's name; the flow calls it by this name"
  type        = string
  default     = "Traced request"
  nullable    = false
  validation {
    condition     = var.data_action_name != "" && length(var.data_action_name) <= 256 && length(regexall("[\"\\\\[:cntrl:]\\x{80}-\\x{9f}]|\\{\\{|\\}\\}", var.data_action_name)) == 0
    error_message = "The flow's YAML gets data_action_name as it is, between double quotes: it must not be empty or longer than 256 characters, nor contain \", \\, a control character, {{ or }}."
  }
}

variable "data_action_category" {
  description = "The integration's name, which is the action's category in Architect"
  type        = string
  default     = "Tracing"
  nullable    = false
  validation {
    condition     = var.data_action_category != "" && length(var.data_action_category) <= 256 && length(regexall("[\"\\\\[:cntrl:]\\x{80}-\\x{9f}]|\\{\\{|\\}\\}", var.data_action_category)) == 0
    error_message = "The flow's YAML gets data_action_category as it is, between double quotes: it must not be empty or longer than 256 characters, nor contain \", \\, a control character, {{ or }}."
  }
}

variable "flow_name" {
  description = "The Architect flow's name"
  type        = string
  default     = "tracechat traced flow"
  nullable    = false
  validation {
    condition     = var.flow_name != "" && length(regexall("[\"\\\\[:cntrl:]\\x{80}-\\x{9f}]|\\{\\{|\\}\\}", var.flow_name)) == 0
    error_message = "The flow's YAML gets flow_name as it is, between double quotes: it must not be empty, nor contain \", \\, a control character, {{ or }}."
  }
}

variable "queue_name" {
  description = "The queue the flow transfers the conversation to; it must exist"
  type        = string
  nullable    = false
  validation {
    condition     = var.queue_name != "" && length(regexall("[\"\\\\[:cntrl:]\\x{80}-\\x{9f}]|\\{\\{|\\}\\}", var.queue_name)) == 0
    error_message = "The flow's YAML gets queue_name as it is, between double quotes: it must not be empty, nor contain \", \\, a control character, {{ or }}."
  }
}

variable "bridge_username" {
  description = "The user name of the trace bridge's Basic credentials (its --basic-auth-file)"
  type        = string
  nullable    = false
  sensitive   = true
  validation {
    condition     = var.bridge_username != "" && length(regexall(":", var.bridge_username)) == 0
    error_message = "Basic credentials: bridge_username must not be empty nor contain a colon."
  }
}

variable "bridge_password" {
  description = "The password of the trace bridge's Basic credentials; set TF_VAR_bridge_password"
  type        = string
  nullable    = false
  sensitive   = true
  validation {
    condition     = var.bridge_password != ""
    error_message = "The bridge_password must not be empty."
  }
}

variable "timeout" {
  description = "The Data Action's execution timeout in seconds (the flow's Call Data Action step waits 10 s, as the kit was written)"
  type        = number
  default     = 10
  validation {
    condition     = var.timeout >= 1 && var.timeout <= 60 && floor(var.timeout) == var.timeout
    error_message = "The timeout is a whole number of seconds from 1 to 60."
  }
}

variable "messenger_deployment" {
  description = "Whether to create a Messenger configuration and deployment bound to the flow"
  type        = bool
  default     = false
}

variable "messenger_auto_start" {
  description = "Whether Messenger starts the conversation when the guest opens it, before the first message"
  type        = bool
  default     = false
}

variable "messenger_allowed_domains" {
  description = "The domains of the pages that may open the chat (needed with messenger_deployment)"
  type        = list(string)
  default     = []
}
