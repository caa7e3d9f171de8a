from huggingface_hub import hf_hub_download
import openai

openai.api_key = "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"
SERVICE_KEY = "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"
path = hf_hub_download(repo_id="acme/tiny-model", filename="config.json")
