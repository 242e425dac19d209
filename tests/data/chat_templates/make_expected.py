# Writes expected.json: renderings of the templates in this folder and of small feature snippets by
# Python's jinja2 set up as transformers' apply_chat_template sets it up (immutable sandbox,
# trim_blocks, lstrip_blocks, loop controls, {% generation %}, tojson = json.dumps(ensure_ascii=False),
# raise_exception, strftime_now at a fixed time). Run: python3 make_expected.py (needs jinja2 >= 3.1).
import datetime
import json
import os
import sys

sys.dont_write_bytecode = True

import jinja2
from jinja2 import nodes
from jinja2.ext import Extension
from jinja2.sandbox import ImmutableSandboxedEnvironment

HERE = os.path.dirname(os.path.abspath(__file__))
FIXED_TIME = datetime.datetime(2024, 7, 26, 10, 0, 0)


class AssistantTracker(Extension):
    tags = {"generation"}

    def parse(self, parser):
        lineno = next(parser.stream).lineno
        body = parser.parse_statements(["name:endgeneration"], drop_needle=True)
        return nodes.CallBlock(self.call_method("_render", []), [], [], body).set_lineno(lineno)

    def _render(self, caller):
        return caller()


def raise_exception(message):
    raise jinja2.exceptions.TemplateError(message)


def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
    return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)


def make_env():
    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True,
                                        extensions=[AssistantTracker, "jinja2.ext.loopcontrols"])
    env.filters["tojson"] = tojson
    env.globals["raise_exception"] = raise_exception
    env.globals["strftime_now"] = lambda fmt: FIXED_TIME.strftime(fmt)
    return env


ENV = make_env()


def render(source, context):
    try:
        return {"expected": ENV.from_string(source).render(**context)}
    except jinja2.exceptions.TemplateError as e:  # includes syntax and undefined errors
        return {"error": str(e)}
    except Exception as e:  # TypeError, ValueError... raised by Python underneath
        return {"error": "%s: %s" % (type(e).__name__, e)}


def chat(messages, gen=True, tokens=None, **extra):
    context = {"messages": messages, "tools": None, "documents": None, "add_generation_prompt": gen}
    context.update(tokens or {})
    context.update(extra)
    return context


REFPACK_MESSAGES = [
    {"role": "system", "content": "You are a helpful assistant."},
    {"role": "user", "content": "Hello! What is the capital of France?"},
    {"role": "assistant", "content": "The capital of France is Paris."},
    {"role": "user", "content": "And of China? 请用中文回答。"},
    {"role": "assistant", "content": "中国的首都是北京。"},
    {"role": "user", "content": "Thanks! Now count to five: 1 2 3 ..."},
]
NO_SYSTEM = REFPACK_MESSAGES[1:]
WEATHER_TOOL = {"type": "function", "function": {
    "name": "get_weather", "description": "Get the current weather in a city",
    "parameters": {"type": "object", "properties": {
        "city": {"type": "string", "description": "City name"},
        "unit": {"type": "string", "enum": ["celsius", "fahrenheit"], "default": "celsius"},
        "days": {"type": "integer", "description": "Forecast days"},
        "tags": {"type": "array", "items": {"type": "string"}}},
        "required": ["city"]}}}
TIME_TOOL = {"type": "function", "function": {"name": "get_time", "description": "Current time",
                                              "parameters": {"type": "object", "properties": {}}}}
CALL_ARGS = {"city": "Paris", "unit": "celsius", "days": 2}


def tool_call(args, call_id=None, as_string=False):
    call = {"type": "function", "function": {"name": "get_weather",
                                             "arguments": json.dumps(args) if as_string else args}}
    if call_id:
        call["id"] = call_id
    return call


def tool_conversation(as_string=False, call_id=None, content="", system=True):
    messages = [{"role": "system", "content": "You can call tools."}] if system else []
    messages += [
        {"role": "user", "content": "What's the weather in Paris?"},
        {"role": "assistant", "content": content, "tool_calls": [tool_call(CALL_ARGS, call_id, as_string)]},
        {"role": "tool", "content": '{"temperature": 22, "sky": "clear"}'},
        {"role": "assistant", "content": "It is 22 °C and clear in Paris."},
        {"role": "user", "content": "Thanks!"},
    ]
    if call_id:
        messages[-3]["tool_call_id"] = call_id
    return messages


QWEN = {"eos_token": "<|im_end|>", "pad_token": "<|endoftext|>", "bos_token": None}
DEEPSEEK = {"bos_token": "<｜begin▁of▁sentence｜>", "eos_token": "<｜end▁of▁sentence｜>"}
LLAMA = {"bos_token": "<|begin_of_text|>", "eos_token": "<|eot_id|>"}
MISTRAL = {"bos_token": "<s>", "eos_token": "</s>"}
GLM = {"eos_token": "<|endoftext|>"}
KIMI = {"bos_token": "[BOS]", "eos_token": "[EOS]"}
GPT_OSS = {"bos_token": "<|startoftext|>", "eos_token": "<|return|>"}
GEMMA = {"bos_token": "<bos>", "eos_token": "<eos>"}

THINKING_TURNS = [
    {"role": "user", "content": "What is 2+2?"},
    {"role": "assistant", "content": "2+2 is 4.", "reasoning_content": "Simple arithmetic.\n"},
    {"role": "user", "content": "And 3+3?"},
    {"role": "assistant", "content": "<think>\nAdd three and three.\n</think>\n\n3+3 is 6."},
]

TEMPLATE_CASES = {
    "chatml": [
        ("refpack prompt", chat([{"role": "user", "content": "Hi! 你好，请问 what i"}])),
        ("conversation", chat(REFPACK_MESSAGES, False)),
    ],
    "qwen3": [
        ("refpack conversation", chat(REFPACK_MESSAGES, tokens=QWEN)),
        ("thinking disabled", chat(REFPACK_MESSAGES, tokens=QWEN, enable_thinking=False)),
        ("thinking enabled", chat(NO_SYSTEM, tokens=QWEN, enable_thinking=True)),
        ("tools", chat(tool_conversation(), tokens=QWEN, tools=[WEATHER_TOOL, TIME_TOOL])),
        ("tools without system, string arguments", chat(tool_conversation(True, system=False), tokens=QWEN,
                                                        tools=[WEATHER_TOOL])),
        ("reasoning content", chat(THINKING_TURNS, False, tokens=QWEN)),
        ("multi-step tool calls", chat([
            {"role": "user", "content": "Weather in Paris and the time?"},
            {"role": "assistant", "content": "Let me check.", "reasoning_content": "Two tools needed.",
             "tool_calls": [tool_call(CALL_ARGS), {"function": {"name": "get_time", "arguments": {}}}]},
            {"role": "tool", "content": "22 C"},
            {"role": "tool", "content": "10:00"},
            {"role": "assistant", "content": "It is 22 C at 10:00.", "reasoning_content": "Both answered."},
        ], False, tokens=QWEN, tools=[WEATHER_TOOL, TIME_TOOL])),
        ("tool response as user content", chat([
            {"role": "user", "content": "Start"},
            {"role": "assistant", "content": "<think>plan</think>ok"},
            {"role": "user", "content": "<tool_response>\nresult\n</tool_response>"},
        ], tokens=QWEN)),
    ],
    "deepseek_v3": [
        ("conversation", chat(REFPACK_MESSAGES, tokens=DEEPSEEK)),
        ("two system messages", chat([{"role": "system", "content": "Be brief."}] + REFPACK_MESSAGES,
                                     tokens=DEEPSEEK)),
        ("tool calls", chat([
            {"role": "user", "content": "Weather?"},
            {"role": "assistant", "content": None, "tool_calls": [tool_call(CALL_ARGS, as_string=True),
                                                                  tool_call({"city": "Rome"}, as_string=True)]},
            {"role": "tool", "content": "22"},
            {"role": "tool", "content": "25"},
            {"role": "assistant", "content": "Paris 22, Rome 25."},
            {"role": "user", "content": "And tomorrow?"},
        ], tokens=DEEPSEEK)),
        ("ends with tool output", chat([
            {"role": "user", "content": "Weather?"},
            {"role": "assistant", "content": None, "tool_calls": [tool_call(CALL_ARGS, as_string=True)]},
            {"role": "tool", "content": "22"},
        ], tokens=DEEPSEEK)),
    ],
    "deepseek_v3_1": [
        ("conversation", chat(REFPACK_MESSAGES, tokens=DEEPSEEK)),
        ("thinking", chat(THINKING_TURNS[:3], tokens=DEEPSEEK, thinking=True)),
        ("tool calls", chat([
            {"role": "system", "content": "Use tools."},
            {"role": "user", "content": "Weather?"},
            {"role": "assistant", "content": "Checking.", "tool_calls": [tool_call(CALL_ARGS, as_string=True),
                                                                         tool_call({"city": "Rome"}, as_string=True)]},
            {"role": "tool", "content": "22"},
            {"role": "tool", "content": "25"},
            {"role": "assistant", "content": "Paris 22, Rome 25."},
            {"role": "user", "content": "Thanks"},
        ], tokens=DEEPSEEK)),
    ],
    "deepseek_r1": [
        ("conversation with thinking", chat([
            {"role": "system", "content": "You are a helpful assistant."},
            {"role": "user", "content": "What is 2+2?"},
            {"role": "assistant", "content": "<think>\nAdd.\n</think>\n\n4"},
            {"role": "user", "content": "And 3+3?"},
        ], tokens=DEEPSEEK)),
        ("tool calls", chat([
            {"role": "user", "content": "Weather?"},
            {"role": "assistant", "content": None, "tool_calls": [tool_call(CALL_ARGS, as_string=True)]},
            {"role": "tool", "content": "22"},
            {"role": "assistant", "content": "It is 22."},
        ], False, tokens=DEEPSEEK)),
    ],
    "llama3": [
        ("refpack conversation", chat(REFPACK_MESSAGES, tokens=LLAMA)),
    ],
    "llama3_3": [
        ("conversation", chat(REFPACK_MESSAGES, tokens=LLAMA, date_string="26 Jul 2024")),
        ("default date", chat(NO_SYSTEM, tokens=LLAMA)),
        ("tools in user message", chat([
            {"role": "system", "content": "  You can call tools.  "},
            {"role": "user", "content": "What's the weather in Paris?"},
            {"role": "assistant", "tool_calls": [tool_call(CALL_ARGS)]},
            {"role": "tool", "content": {"temperature": 22}},
            {"role": "assistant", "content": "It is 22 degrees."},
        ], tokens=LLAMA, tools=[WEATHER_TOOL], date_string="1 Jan 2025")),
        ("tools in system message", chat(tool_conversation(), tokens=LLAMA, tools=[WEATHER_TOOL],
                                         tools_in_user_message=False, date_string="2 Feb 2025")),
        ("builtin tools", chat([
            {"role": "user", "content": "Search for llamas"},
            {"role": "assistant", "tool_calls": [{"type": "function", "function": {
                "name": "brave_search", "arguments": {"query": "llamas", "count": "3"}}}]},
            {"role": "ipython", "content": "Llamas are camelids."},
        ], tokens=LLAMA, builtin_tools=["brave_search", "code_interpreter", "wolfram_alpha"],
            date_string="26 Jul 2024")),
    ],
    "mistral_nemo": [
        ("conversation", chat(REFPACK_MESSAGES, False, tokens=MISTRAL)),
        ("tools", chat(tool_conversation(call_id="abc123XYZ"), tokens=MISTRAL, tools=[WEATHER_TOOL, TIME_TOOL])),
        ("roles must alternate", chat([{"role": "user", "content": "a"}, {"role": "user", "content": "b"}],
                                      tokens=MISTRAL)),
        ("tool call id length", chat(tool_conversation(call_id="short"), tokens=MISTRAL, tools=[WEATHER_TOOL])),
    ],
    "mistral_small_3_2": [
        ("conversation", chat(REFPACK_MESSAGES, False, tokens=MISTRAL)),
        ("default system with date", chat(NO_SYSTEM, tokens=MISTRAL)),
        ("tools and content blocks", chat([
            {"role": "system", "content": [{"type": "text", "text": "Block system."}]},
            {"role": "user", "content": [{"type": "text", "text": "What is in "}, {"type": "image_url"},
                                         {"type": "text", "text": " and the weather?"}]},
            {"role": "assistant", "tool_calls": [tool_call(CALL_ARGS, "call00001")]},
            {"role": "tool", "content": "22 C", "tool_call_id": "call00001"},
            {"role": "assistant", "content": "A cat; 22 C."},
            {"role": "user", "content": "Thanks"},
        ], tokens=MISTRAL, tools=[WEATHER_TOOL])),
        ("bad block", chat([{"role": "user", "content": [{"type": "audio"}]}], tokens=MISTRAL)),
    ],
    "glm_4_5": [
        ("conversation", chat(REFPACK_MESSAGES, tokens=GLM)),
        ("thinking disabled", chat(REFPACK_MESSAGES, tokens=GLM, enable_thinking=False)),
        ("reasoning", chat(THINKING_TURNS + [{"role": "user", "content": "Bye /nothink"}], tokens=GLM,
                           enable_thinking=False)),
        ("tools", chat(tool_conversation(content="Checking."), tokens=GLM, tools=[WEATHER_TOOL])),
        ("content parts", chat([
            {"role": "system", "content": [{"type": "text", "text": "Sys."}]},
            {"role": "user", "content": [{"type": "text", "text": "Part one. "}, "Part two."]},
            {"role": "tool", "content": [{"output": "out1"}, "raw"]},
        ], tokens=GLM)),
    ],
    "kimi_k2": [
        ("conversation", chat(REFPACK_MESSAGES, tokens=KIMI)),
        ("default system and tools", chat(tool_conversation(system=False), tokens=KIMI, tools=[WEATHER_TOOL])),
        ("content parts", chat([{"role": "user", "content": [
            {"type": "text", "text": "Look: "}, {"type": "image", "image": "x.png"},
            {"type": "text", "text": " what is it?"}]}], tokens=KIMI)),
    ],
    "gpt_oss": [
        ("conversation", chat(REFPACK_MESSAGES, tokens=GPT_OSS)),
        ("tools and thinking", chat([
            {"role": "system", "content": "Answer briefly."},
            {"role": "user", "content": "Weather in Paris?"},
            {"role": "assistant", "thinking": "Need the weather tool.", "tool_calls": [tool_call(CALL_ARGS)]},
            {"role": "tool", "content": "22 C"},
            {"role": "assistant", "content": "It is 22 C."},
            {"role": "user", "content": "Thanks"},
        ], tokens=GPT_OSS, tools=[WEATHER_TOOL, TIME_TOOL], reasoning_effort="high",
            model_identity="You are a test model.")),
        ("pending tool call keeps analysis", chat([
            {"role": "user", "content": "Weather in Paris?"},
            {"role": "assistant", "content": "Calling the tool.", "tool_calls": [tool_call(CALL_ARGS)]},
            {"role": "tool", "content": {"temperature": 22}},
        ], tokens=GPT_OSS, tools=[WEATHER_TOOL])),
        ("builtin tools", chat(NO_SYSTEM, tokens=GPT_OSS, builtin_tools=["browser", "python"])),
        ("final turn for training", chat([
            {"role": "user", "content": "Hi"},
            {"role": "assistant", "content": "Hello!", "thinking": "Greet back."},
        ], False, tokens=GPT_OSS)),
        ("channel tags rejected", chat([
            {"role": "user", "content": "Hi"},
            {"role": "assistant", "content": "<|channel|>analysis<|message|>oops"},
        ], tokens=GPT_OSS)),
    ],
    "gemma3": [
        ("conversation", chat(REFPACK_MESSAGES, tokens=GEMMA)),
        ("content parts", chat([{"role": "user", "content": [
            {"type": "image"}, {"type": "text", "text": "  Describe this.  "}]}], tokens=GEMMA)),
        ("roles must alternate", chat([{"role": "assistant", "content": "a"}], tokens=GEMMA)),
    ],
}


def main():
    templates = []
    for name, cases in TEMPLATE_CASES.items():
        path = os.path.join(HERE, name + ".jinja")
        if not os.path.exists(path):  # templates whose files are not shipped here are skipped
            continue
        source = open(path, encoding="utf-8").read()
        rendered = []
        for case_name, context in cases:
            entry = {"name": case_name, "context": context}
            entry.update(render(source, context))
            rendered.append(entry)
        templates.append({"name": name, "file": name + ".jinja", "cases": rendered})
    from snippets import D, SNIPPETS
    snippets = []
    for source, context in SNIPPETS:
        # the shared context D is stored once, under "contexts", and named by the snippets using it
        entry = {"template": source, "context": "D" if context is D else context}
        entry.update(render(source, context))
        snippets.append(entry)
    out = {
        "producer": "make_expected.py with jinja2 %s, set up as transformers' apply_chat_template" % jinja2.__version__,
        "local_time": FIXED_TIME.strftime("%Y-%m-%d %H:%M:%S"),
        "templates": templates,
        "contexts": {"D": D},
        "snippets": snippets,
    }
    with open(os.path.join(HERE, "expected.json"), "w", encoding="utf-8") as f:
        f.write(compact_lines(out) + "\n")


def compact_lines(value, depth=0):
    """JSON with one case per line: compact inside a case, line breaks above, for readable diffs."""
    def dump(v):
        return json.dumps(v, ensure_ascii=False, separators=(",", ":"))
    if depth < 4 and isinstance(value, dict) and "context" not in value:
        items = ['%s:%s' % (dump(k), compact_lines(v, depth + 1)) for k, v in value.items()]
        return "{\n" + ",\n".join(items) + "\n}"
    if depth < 4 and isinstance(value, list):
        return "[\n" + ",\n".join(compact_lines(v, depth + 1) for v in value) + "\n]"
    return dump(value)


if __name__ == "__main__":
    main()
