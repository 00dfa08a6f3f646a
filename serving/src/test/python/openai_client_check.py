"""Drives a running `agentos serve` with the official OpenAI Python client, unchanged.

Usage: openai_client_check.py BASE_URL API_KEY MODEL
Prints one JSON object: the chat answer, the streamed chat answer (chunks joined), the completion text, their
usage and finish reasons, the model list, and the error the client raised for an unknown model.
"""
import json
import sys

import openai
from openai import OpenAI


def main():
    base_url, api_key, model = sys.argv[1], sys.argv[2], sys.argv[3]
    client = OpenAI(base_url=base_url + "/v1", api_key=api_key, max_retries=0, timeout=120)
    out = {"openai_version": openai.__version__}
    out["models"] = [m.id for m in client.models.list().data]

    messages = [{"role": "system", "content": "You are a field-service assistant."},
                {"role": "user", "content": "How do I replace the hydraulic filter?"}]
    chat = client.chat.completions.create(model=model, messages=messages, max_tokens=24, temperature=0)
    out["chat"] = {"content": chat.choices[0].message.content, "role": chat.choices[0].message.role,
                   "finish_reason": chat.choices[0].finish_reason, "usage": chat.usage.model_dump(),
                   "object": chat.object}

    parts, finish, usage = [], None, None
    stream = client.chat.completions.create(model=model, messages=messages, max_tokens=24, temperature=0, stream=True,
                                            stream_options={"include_usage": True})
    chunks = 0
    for chunk in stream:
        chunks += 1
        if chunk.usage is not None:
            usage = chunk.usage.model_dump()
        for choice in chunk.choices:
            if choice.delta.content:
                parts.append(choice.delta.content)
            if choice.finish_reason:
                finish = choice.finish_reason
    out["stream"] = {"content": "".join(parts), "finish_reason": finish, "chunks": chunks, "usage": usage}

    comp = client.completions.create(model=model, prompt="The pump", max_tokens=12, temperature=0)
    out["completion"] = {"text": comp.choices[0].text, "finish_reason": comp.choices[0].finish_reason,
                         "usage": comp.usage.model_dump()}

    try:
        client.chat.completions.create(model="no-such-model", messages=messages, max_tokens=4)
        out["unknown_model_error"] = None
    except openai.NotFoundError as e:
        out["unknown_model_error"] = {"status": e.status_code, "code": e.code, "message": e.message}
    try:
        client.chat.completions.create(model=model, messages=messages, max_tokens=4, temperature=7)
        out["bad_temperature_error"] = None
    except openai.BadRequestError as e:
        out["bad_temperature_error"] = {"status": e.status_code, "param": e.param}
    print(json.dumps(out))


if __name__ == "__main__":
    main()
