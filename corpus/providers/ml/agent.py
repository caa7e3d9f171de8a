import os

from langfuse import Langfuse
from pinecone import Pinecone

os.environ["LANGSMITH_API_KEY"] = "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"
os.environ["TAVILY_API_KEY"] = "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"
os.environ["NEPTUNE_API_TOKEN"] = "eyJhcGlfYWRkcmVzcyI6ICJodHRwczovL2FwcC5uZXB0dW5lLmFpIiwgImFwaV91cmwiOiAiaHR0cHM6Ly9hcHAubmVwdHVuZS5haSIsICJhcGlfa2V5IjogIjFiZWZjZjBmLTAzYjQtNDg3OC1iZTBiLTFhODg5YWU0NWNmNSJ9"

pc = Pinecone(api_key="pcsk_JRmrSC_vcha8NKi6wYvP1UURzjjCQhqi5GU8K44vYJOhyDCyI1ajXV8RGz678ZP8czVZQy")
index = pc.Index("support-articles")
langfuse = Langfuse(public_key="pk-lf-1b6e4c2a-9d3f-4e8a-b7c5-2f1a0e9d8c7b", secret_key="sk-lf-b651244a-2b75-448f-8fad-88f69d735942")
crawler_key = "fc-db012a4d839c09bd749432562cc32600"
