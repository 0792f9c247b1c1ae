// The kits the kit tests write: the default one (the golden files), and one whose every
// free-text option holds what could break a file — quotes, `${`, `%{`, `#`, `$`, `{` and
// `}`, YAML indicators, text beyond ASCII, names YAML reads as null or true — yet is
// allowed, so it must read back exactly.
#pragma once

#include <string>

#include "tracechat/generators/kit.h"

namespace tracechat::testing {

// `tracechat kit --url https://orders.example.com/check --message-input orderId`
inline generators::KitOptions default_kit_options() {
  generators::KitOptions o;
  o.url = "https://orders.example.com/check";
  o.message_inputs = {"orderId"};
  return o;
}

inline generators::KitOptions adversarial_kit_options() {
  generators::KitOptions o;
  o.url = "https://orders.example.com/c/$esc.url(${input.orderId})?a=%{b}&c='d'&e=\"f\"&g=${x}&h=\xc3\xa9#frag";
  o.action_name = "Order $input.orderId ${input.x} #if(true)x#end #set($a = 1) ]]# %{ if } $${ '\xf0\x9f\x98\x80'";
  o.category = "Tracing ${var.bridge_password} %{ for x in y } #[[ $ # { } ' : -";
  o.flow_name = "Flow: - &anchor *alias !tag | > # ' ${path.module} \xe2\x80\x94 \xe6\xb3\xa8\xe6\x96\x87";
  o.queue = "Support ${var.queue_name} %%{ '#' } [x] {y}";
  // Identifiers to Genesys, but a null and a boolean to YAML as bare keys.
  o.message_inputs = {"orderId", "null", "yes"};
  o.outputs = {"status"};
  return o;
}

}  // namespace tracechat::testing
