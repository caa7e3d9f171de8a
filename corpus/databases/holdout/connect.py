import pymysql
conn = pymysql.connect(host="db", user="app", password="PyMy-5ql", database="shop")
